// The one line a page says after a change it was sent back to (`?saved=`).
import type { ConsoleRequest } from '../app.ts';

const SAVED: Readonly<Record<string, string>> = {
  yes: 'Saved.',
  created: 'Added.',
  deleted: 'Deleted.',
  login: 'The login was added.',
  'login-deleted': 'The login was deleted.',
  password: 'The new password is set.',
  revoked: 'The API key was revoked: programs using it are refused from now on.',
  'test-sent': 'A test event was sent: its delivery is the first line below.',
};

export function flashOf(request: ConsoleRequest): { flash?: string } {
  const text = SAVED[request.query('saved') ?? ''];
  return text ? { flash: text } : {};
}
