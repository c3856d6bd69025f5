// CI's lock file check (docs/decisions/012-npm-ci.md): fails when package-lock.json and
// package.json disagree, or when the lock lacks an optional package that some platform needs (the
// case where `npm ci` passes here and refuses the lock on macOS or Windows). Plain Node, no
// dependencies: it runs before anything is installed. `node scripts/check-lockfile.mjs`.
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync("package.json", "utf8"));
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = lock.packages ?? {};
const root = packages[""] ?? {};
const problems = [];

if (lock.lockfileVersion < 2) problems.push(`lockfileVersion ${lock.lockfileVersion}: npm ci wants 2 or 3`);

// 1. The lock's root lists exactly package.json's dependencies, with the same ranges.
for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
  const wanted = manifest[field] ?? {};
  const locked = root[field] ?? {};
  for (const [name, range] of Object.entries(wanted)) {
    if (locked[name] === undefined) problems.push(`${field}.${name} (${range}) is in package.json, not in the lock`);
    else if (locked[name] !== range)
      problems.push(`${field}.${name}: package.json says ${range}, the lock ${locked[name]}`);
    else if (!packages[`node_modules/${name}`]) problems.push(`${name} has no node_modules/${name} entry in the lock`);
  }
  for (const name of Object.keys(locked)) {
    if (wanted[name] === undefined) problems.push(`${field}.${name} is in the lock, not in package.json`);
  }
}

// 2. Every dependency an entry names resolves to an entry (optional ones too: other platforms').
const resolves = (from, name) => {
  let base = from;
  for (;;) {
    if (packages[`${base ? `${base}/` : ""}node_modules/${name}`]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
};
let optional = 0;
for (const [path, entry] of Object.entries(packages)) {
  if (path === "" || entry.link) continue;
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    optional += 1;
    if (!resolves(path, name)) problems.push(`${path} needs ${name} on some platform: missing from the lock`);
  }
  for (const name of Object.keys(entry.dependencies ?? {})) {
    if (!resolves(path, name)) problems.push(`${path} needs ${name}: missing from the lock`);
  }
}

if (problems.length > 0) {
  console.error(`package-lock.json does not match package.json (${problems.length}):`);
  for (const problem of problems.slice(0, 30)) console.error(`  ${problem}`);
  console.error("Run `npm install` and commit package-lock.json (docs/decisions/012-npm-ci.md).");
  process.exit(1);
}
console.log(
  `package-lock.json matches package.json: ${Object.keys(packages).length - 1} packages, ${optional} optional (every platform's) all locked`,
);
