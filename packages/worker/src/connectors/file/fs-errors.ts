// File-system errors as the runtime understands them: a missing file or a permission problem is a
// configuration fault (never retried); a full disk or too many open files may pass (retried).
import { ConfigError, DataflowError, ErrorCode, errorMessage } from '../../errors.js';

const CONFIG_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENAMETOOLONG']);
const TRANSIENT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EAGAIN', 'EBUSY', 'EIO', 'EMFILE', 'ENFILE']);

export function translateFsError(error: unknown, what: string): DataflowError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = `${what}: ${errorMessage(error)}`;
  if (CONFIG_CODES.has(code)) return new ConfigError(message, { cause: error });
  if (TRANSIENT_CODES.has(code)) return new DataflowError(ErrorCode.overload, message, true, { cause: error });
  return new DataflowError(ErrorCode.internal, message, false, { cause: error });
}
