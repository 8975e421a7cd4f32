import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { stateDir } from '../../db/index.ts';
import { type DeviceKeyView, listDevices, registerDevice, revokeDevice } from '../../sdk/index.ts';
import { createDeviceKey, loadDeviceKey } from '../../sdk/node.ts';
import { emit, type GlobalFlags, log } from '../output.ts';
import { DEFAULT_SERVER, signedInClient } from './uploads.ts';

/** This machine's device key file: MAPMINT_DEVICE_KEY, else `device-key.pem` in the CLI's state folder. */
export function deviceKeyFile(): string {
  return process.env.MAPMINT_DEVICE_KEY ?? path.join(stateDir(), 'device-key.pem');
}

const describe = (d: DeviceKeyView) =>
  `${d.publicKey}  ${d.revokedAt ? `revoked ${d.revokedAt}` : `registered ${d.registeredAt}`}${d.label ? `  ${d.label}` : ''}  (${d.id})`;

/** `device register`, `device list`, `device revoke`: the key `mapmint upload` signs manifests with. */
export function registerDeviceCommands(program: Command, flags: () => GlobalFlags): void {
  const device = program
    .command('device')
    .description('the device key that signs your uploads (proof of capture; see README "Device keys")');
  device
    .command('register')
    .description(`make this machine's device key if it has none (${deviceKeyFile()}) and register it for your wallet`)
    .option('-s, --server <url>', 'server URL (default MAPMINT_SERVER or http://127.0.0.1:8787)', DEFAULT_SERVER)
    .option('--keystore <file>', 'encrypted wallet keystore (password in MAPMINT_KEYSTORE_PASSWORD)')
    .option('--label <text>', 'a name for the key ("dashcam in the van")')
    .option('--new', 'replace the key file with a new key (the old file is kept beside it, renamed)')
    .action(async (o: { server: string; keystore?: string; label?: string; new?: boolean }) => {
      const file = deviceKeyFile();
      let signer = o.new ? undefined : await loadDeviceKey(file);
      if (!signer) {
        if (o.new) {
          const aside = `${file}.${new Date().toISOString().replace(/[:.]/g, '-')}.old`;
          await rename(file, aside).then(
            () => log(`kept the old key as ${aside}`),
            (e: NodeJS.ErrnoException) => {
              if (e.code !== 'ENOENT') throw e;
            },
          );
        }
        signer = await createDeviceKey(file);
        log(`created device key ${file} (mode 600): \`mapmint upload\` signs with it from now on`);
      }
      const client = await signedInClient(o.server, o.keystore);
      const d = await registerDevice(client, signer, o.label);
      emit(
        flags(),
        { ...d, keyFile: file },
        () => `${d.created ? 'registered' : 'already registered'}: ${describe(d)}`,
      );
    });
  device
    .command('list')
    .description('your registered device keys, newest first')
    .option('-s, --server <url>', 'server URL', DEFAULT_SERVER)
    .option('--keystore <file>', 'encrypted wallet keystore')
    .action(async (o: { server: string; keystore?: string }) => {
      const devices = await listDevices(await signedInClient(o.server, o.keystore));
      emit(flags(), { devices }, () => (devices.length ? devices.map(describe).join('\n') : 'no device keys'));
    });
  device
    .command('revoke <key>')
    .description('revoke a device key (its id or public key): uploads it signs are refused from now on')
    .option('-s, --server <url>', 'server URL', DEFAULT_SERVER)
    .option('--keystore <file>', 'encrypted wallet keystore')
    .action(async (key: string, o: { server: string; keystore?: string }) => {
      const d = await revokeDevice(await signedInClient(o.server, o.keystore), key);
      emit(flags(), d, () => `revoked: ${describe(d)}`);
    });
}
