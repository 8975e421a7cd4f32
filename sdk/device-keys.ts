/**
 * Device keys on the client (issue 18, proof of capture): something that holds an Ed25519 private key signs the
 * registration message and each upload's manifest; the strings signed are api/devices.ts's. Platform-neutral: the
 * browser and Node 24 both have WebCrypto Ed25519; sdk/node.ts keeps a key in a file for the CLI.
 */
import {
  type DeviceKeyView,
  deviceRegistrationMessage,
  manifestSigningPayload,
  type RegisterDeviceKey,
  type UploadManifest,
} from '../api/index.ts';
import type { MapmintClient } from './client.ts';

/** Holds a device's private key: its public key (raw, base64url) and a signer of UTF-8 messages (base64url out). */
export interface DeviceSigner {
  publicKey: string;
  sign(message: string): Promise<string>;
}

/** Base64url without padding of some bytes (no Buffer: this runs in browsers too). */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A signer over a WebCrypto Ed25519 key pair (its public key must be extractable). */
export async function webCryptoDeviceSigner(keys: CryptoKeyPair): Promise<DeviceSigner> {
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
  return {
    publicKey: toBase64Url(raw),
    async sign(message) {
      const sig = await crypto.subtle.sign('Ed25519', keys.privateKey, new TextEncoder().encode(message));
      return toBase64Url(new Uint8Array(sig));
    },
  };
}

/** A fresh WebCrypto Ed25519 key pair; the private key is not extractable unless asked (a browser keeps it in IndexedDB). */
export async function generateDeviceKeys(opts: { extractable?: boolean } = {}): Promise<CryptoKeyPair> {
  const keys = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
  if (opts.extractable) return keys;
  // generateKey applies one extractable flag to both halves: re-import the private half as non-extractable.
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign']);
  return { publicKey: keys.publicKey, privateKey };
}

/** The manifest with the device's signature over its canonical payload (files, track, start time, offset, zone). */
export async function signManifest(manifest: UploadManifest, signer: DeviceSigner): Promise<UploadManifest> {
  const { deviceSignature: _old, ...unsigned } = manifest;
  const signature = await signer.sign(manifestSigningPayload(unsigned, signer.publicKey));
  return { ...unsigned, deviceSignature: { publicKey: signer.publicKey, signature } };
}

/**
 * Registers the device's key for the signed-in contributor, proving possession by signing the registration message
 * that names the contributor's wallet (read from /v1/me). Answers the key as registered and whether it is new.
 */
export async function registerDevice(
  client: MapmintClient,
  signer: DeviceSigner,
  label?: string,
): Promise<DeviceKeyView & { created: boolean }> {
  const me = await client.get<{ address: string }>('/v1/me');
  const body: RegisterDeviceKey = {
    publicKey: signer.publicKey,
    signature: await signer.sign(deviceRegistrationMessage(me.address, signer.publicKey)),
    ...(label ? { label } : {}),
  };
  return client.post<DeviceKeyView & { created: boolean }>('/v1/me/devices', body);
}

/** The signed-in contributor's device keys, newest first. */
export async function listDevices(client: MapmintClient): Promise<DeviceKeyView[]> {
  return (await client.get<{ devices: DeviceKeyView[] }>('/v1/me/devices')).devices;
}

/** Revokes one of the contributor's device keys (by id or public key). */
export async function revokeDevice(client: MapmintClient, idOrKey: string): Promise<DeviceKeyView> {
  return client.delete<DeviceKeyView>(`/v1/me/devices/${encodeURIComponent(idOrKey)}`);
}
