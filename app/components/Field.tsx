import { type InputHTMLAttributes, type TextareaHTMLAttributes, useEffect } from "react";

/**
 * The errors of one field, right under it, tied to it for screen readers. When they appear, the
 * first invalid field of the form gets focus — unless the user is already elsewhere (another form).
 */
export function FieldError({ id, errors }: { id: string; errors?: string[] }) {
  const shown = errors?.length ? errors.join(" ") : "";
  useEffect(() => {
    if (!shown) return;
    const field = document.getElementById(id);
    const form = field?.closest("form");
    if (!field || !form || form.querySelector('[aria-invalid="true"]') !== field) return;
    const active = document.activeElement;
    if (active === null || active === document.body || form.contains(active)) field.focus();
  }, [id, shown]);
  if (!errors?.length) return null;
  return (
    <p className="field-error" id={`${id}-error`} role="alert">
      {errors.join(" ")}
    </p>
  );
}

type Common = { label: string; name: string; errors?: string[]; id?: string };

/** The field's own description (help text) and, when it has errors, their paragraph. */
function describedBy(id: string, errors: string[] | undefined, own: string | undefined): string | undefined {
  const ids = [own, errors?.length ? `${id}-error` : undefined].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

export function TextField({
  label,
  name,
  errors,
  id = name,
  "aria-describedby": own,
  ...rest
}: Common & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label htmlFor={id}>
      {label}
      <input
        type="text"
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, errors, own)}
        {...rest}
      />
      <FieldError id={id} errors={errors} />
    </label>
  );
}

export function TextArea({
  label,
  name,
  errors,
  id = name,
  "aria-describedby": own,
  ...rest
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <label htmlFor={id}>
      {label}
      <textarea
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy(id, errors, own)}
        {...rest}
      />
      <FieldError id={id} errors={errors} />
    </label>
  );
}

/** The errors of a whole form (not of one field), at its top. */
export function FormErrors({ errors, id }: { errors?: string[]; id?: string }) {
  if (!errors?.length) return null;
  return (
    <p className="form-error" role="alert" id={id}>
      {errors.join(" ")}
    </p>
  );
}
