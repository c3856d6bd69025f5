import type { InputHTMLAttributes, TextareaHTMLAttributes } from "react";

/** The errors of one field, right under it, tied to it for screen readers. */
export function FieldError({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p className="field-error" id={`${id}-error`} role="alert">
      {errors.join(" ")}
    </p>
  );
}

type Common = { label: string; name: string; errors?: string[]; id?: string };

export function TextField({ label, name, errors, id = name, ...rest }: Common & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label htmlFor={id}>
      {label}
      <input
        type="text"
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errors?.length ? `${id}-error` : undefined}
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
  ...rest
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <label htmlFor={id}>
      {label}
      <textarea
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errors?.length ? `${id}-error` : undefined}
        {...rest}
      />
      <FieldError id={id} errors={errors} />
    </label>
  );
}

/** The errors of a whole form (not of one field), at its top. */
export function FormErrors({ errors }: { errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p className="form-error" role="alert">
      {errors.join(" ")}
    </p>
  );
}
