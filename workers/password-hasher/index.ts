/**
 * The password-hasher Worker: scrypt hashes (shared/users/password.ts, same parameters) computed in
 * this Worker's own isolate for the Workers that log in and register, which call it over a service
 * binding (RPC to the `PasswordHasher` entrypoint). A hash is ~190 ms of synchronous CPU in
 * workerd; run in the caller's isolate it held every other request of that isolate meanwhile.
 * No routes, no bindings, nothing stored.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { hashPassword, verifyPassword } from "../../shared/users/password";
import type { PasswordHasher as Hasher } from "../../shared/users/password-hasher";

export class PasswordHasher extends WorkerEntrypoint implements Hasher {
  hash(password: string): Promise<string> {
    return hashPassword(password);
  }

  verify(password: string, stored: string): Promise<boolean> {
    return verifyPassword(password, stored);
  }
}

export default PasswordHasher;
