/**
 * Device keys (issue 18, proof of capture): the wire types of /v1/me/devices and the two byte strings a device key
 * signs. Both sides build those strings here, in one place, so the SDK (Node or browser) and the server can never
 * disagree on what was signed. Pure string building: no Node-only imports, the browser signs with WebCrypto.
 *
 * Scheme: Ed25519 (RFC 8032). A public key travels as its raw 32 bytes in base64url without padding (43 characters,
 * the JWK `x` of an OKP key); a signature as its raw 64 bytes in base64url (86 characters).
 */
import type { UploadManifest } from './uploads.ts';

/** Version tag at the head of every signed string: a new layout gets a new tag, never a silent change. */
export const DEVICE_SIGNATURE_VERSION = 'mapmint-device/1';

/** A raw Ed25519 public key in base64url, as the API carries it. */
export const DEVICE_PUBLIC_KEY_PATTERN = '^[A-Za-z0-9_-]{43}$';
/** A raw Ed25519 signature in base64url. */
export const DEVICE_SIGNATURE_PATTERN = '^[A-Za-z0-9_-]{86}$';

/** The manifest's proof of capture: which registered device key signed it, and the signature. */
export interface ManifestSignature {
  publicKey: string;
  /** Ed25519 over {@link manifestSigningPayload} of the manifest, base64url. */
  signature: string;
}

/** POST /v1/me/devices: a public key with its proof of possession, a signature over {@link deviceRegistrationMessage}. */
export interface RegisterDeviceKey {
  publicKey: string;
  signature: string;
  /** A name for people ("dashcam in the van"). */
  label?: string;
}

/** A registered device key as its owner sees it. */
export interface DeviceKeyView {
  id: string;
  publicKey: string;
  label: string | null;
  registeredAt: string;
  revokedAt: string | null;
}

/**
 * The message a key signs to prove its holder registers it for this contributor: it names the wallet (lowercased, as
 * EIP-55 checksums vary only in case) and the key, so the proof cannot be replayed for another contributor.
 */
export function deviceRegistrationMessage(address: string, publicKey: string): string {
  return `${DEVICE_SIGNATURE_VERSION}\nregister ${publicKey}\nfor ${address.toLowerCase()}\n`;
}

/** What of a manifest a device key signs (the manifest type may grow fields that are not signed). */
export type SignedManifestFields = Pick<UploadManifest, 'files' | 'startTime' | 'timeOffsetMs'> & {
  /** IANA time zone of the camera's clock, when the manifest names one. */
  timezone?: string;
};

/**
 * The canonical byte string a device signs for an upload, one field per line in a fixed order:
 * the version, `key` (the signing public key), `start` (startTime, empty when absent), `offset` (timeOffsetMs),
 * `timezone`, `track` (the sha256 of every track or telemetry file in manifest order, or `embedded` when the track
 * is read from the videos), then one `file` line per file in manifest order: sha256, size, role and the name as a
 * JSON string (names may hold any printable character, JSON quoting keeps the line unambiguous).
 */
export function manifestSigningPayload(m: SignedManifestFields, publicKey: string): string {
  const track = m.files.filter((f) => f.role === 'track' || f.role === 'telemetry').map((f) => f.sha256);
  const lines = [
    DEVICE_SIGNATURE_VERSION,
    `key ${publicKey}`,
    `start ${m.startTime ?? ''}`,
    `offset ${m.timeOffsetMs ?? ''}`,
    `timezone ${m.timezone ?? ''}`,
    `track ${track.length > 0 ? track.join(',') : 'embedded'}`,
    ...m.files.map((f) => `file ${f.sha256} ${f.size} ${f.role} ${JSON.stringify(f.name)}`),
  ];
  return `${lines.join('\n')}\n`;
}
