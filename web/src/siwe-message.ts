/**
 * EIP-4361 (Sign-In with Ethereum) message formatting for the browser bundle. The `siwe` package the SDK uses
 * parses every message it builds with apg-js, which needs Node's `Buffer`; web/build.ts resolves `siwe` to this
 * module instead, so the SDK's own sign-in code runs unchanged in the pages. Only formatting lives here: the
 * server parses and verifies with the real `siwe` (server/auth.ts), so any divergence fails sign-in in the tests.
 */

/** The fields the SDK fills in (EIP-4361 "Message Format"). */
export interface SiweFields {
  scheme?: string;
  domain: string;
  address: string;
  statement?: string;
  uri: string;
  version: string;
  chainId: number;
  nonce: string;
  issuedAt?: string;
  expirationTime?: string;
  notBefore?: string;
  requestId?: string;
  resources?: string[];
}

/** Builds EIP-4361 messages with the same constructor and method as `siwe`'s SiweMessage (object form only). */
export class SiweMessage {
  constructor(private readonly f: SiweFields) {
    if (typeof f !== 'object') throw new Error('the browser SiweMessage only builds messages, it does not parse them');
  }

  /** The message text, line by line as EIP-4361 lays it out. */
  prepareMessage(): string {
    const f = this.f;
    const head = `${f.scheme ? `${f.scheme}://` : ''}${f.domain} wants you to sign in with your Ethereum account:`;
    // ABNF: address LF LF [ statement LF ] LF, so a message without a statement has two empty lines.
    const lines = [head, f.address, '', ...(f.statement === undefined ? [''] : [f.statement, ''])];
    lines.push(
      `URI: ${f.uri}`,
      `Version: ${f.version}`,
      `Chain ID: ${f.chainId}`,
      `Nonce: ${f.nonce}`,
      `Issued At: ${f.issuedAt ?? new Date().toISOString()}`,
    );
    if (f.expirationTime) lines.push(`Expiration Time: ${f.expirationTime}`);
    if (f.notBefore) lines.push(`Not Before: ${f.notBefore}`);
    if (f.requestId) lines.push(`Request ID: ${f.requestId}`);
    if (f.resources?.length) lines.push('Resources:', ...f.resources.map((r) => `- ${r}`));
    return lines.join('\n');
  }
}
