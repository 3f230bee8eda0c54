import { InvalidInputError } from '../errors.js';

/**
 * A file could not be read or written: it is malformed, truncated, of the wrong kind, or
 * missing. `file` names it and the message says what is wrong and where (an HDF5 path, a line
 * number). Readers never return partial data; writers leave no partial output file.
 */
export class FileFormatError extends InvalidInputError {
  constructor(
    /** The file's name or path, as the caller gave it. */
    readonly file: string,
    /** What is wrong, without the file name. */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Last path component of a path or URL (for messages). */
export function baseName(p: string): string {
  const s = p.replace(/[\\/]+$/, '');
  return s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1) || p;
}
