/**
 * Where the Workers hash and verify passwords: the password-hasher Worker (workers/password-hasher),
 * another isolate, over the `PASSWORD_HASHER` service binding. scrypt is synchronous CPU in workerd
 * (~190 ms a hash), so computed in the caller's isolate it stalled every request beside a login.
 * `needsRehash` (shared/users/password.ts) only parses, and stays in the caller.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
}

/** The service binding as a hasher (its RPC stub has the entrypoint's methods, as promises). */
export function passwordHasherOf(binding: Fetcher): PasswordHasher {
  return binding as unknown as PasswordHasher;
}
