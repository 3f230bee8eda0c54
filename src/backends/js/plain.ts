import { InvalidInputError } from '../../errors.js';
import type { CsrMatrix } from '../../matrix/index.js';
import { type CsrInput, isHandle } from '../../runtime/handles.js';

/** The js backend works on JavaScript memory only; dispatch never sends it a handle. */
export function plain(x: CsrInput): CsrMatrix {
  if (isHandle(x)) throw new InvalidInputError(`the js backend got a matrix resident in ${x.backend}; download() it first`);
  return x;
}
