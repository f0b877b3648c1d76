import { userInfo } from 'node:os';
import type { Principal } from '../../server/services/tokens.ts';

/** A command run on the server's database: the audit names the OS user, with the role it acts as. */
export function cliPrincipal(role: Principal['role'] = 'health'): Principal {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container with an arbitrary uid): the audit still says it was the command line.
  }
  return { actor: `cli:${user}`, role };
}
