import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Wallet } from 'ethers';
import { MapmintError } from '../core/index.ts';
import { stateDir } from '../db/index.ts';

/**
 * The contributor's wallet: `MAPMINT_PRIVATE_KEY`, or an encrypted JSON keystore (`--keystore` or
 * `MAPMINT_KEYSTORE`) unlocked with `MAPMINT_KEYSTORE_PASSWORD`. Keys never come from the repository.
 */
export async function loadWallet(keystore?: string): Promise<Wallet> {
  const pk = process.env.MAPMINT_PRIVATE_KEY;
  if (pk) {
    try {
      return new Wallet(pk);
    } catch {
      throw new MapmintError(
        'invalid_input',
        'bad_private_key',
        'MAPMINT_PRIVATE_KEY is not a valid 32-byte hex private key',
      );
    }
  }
  const file = keystore ?? process.env.MAPMINT_KEYSTORE;
  if (!file) {
    throw new MapmintError(
      'unauthorized',
      'no_wallet',
      'no wallet: set MAPMINT_PRIVATE_KEY, or create a keystore with `mapmint wallet new --out key.json` and pass --keystore',
    );
  }
  const password = process.env.MAPMINT_KEYSTORE_PASSWORD ?? '';
  const json = await readFile(file, 'utf8').catch(() => {
    throw new MapmintError('not_found', 'keystore_missing', `cannot read keystore ${file}`);
  });
  try {
    return (await Wallet.fromEncryptedJson(json, password)) as Wallet;
  } catch {
    throw new MapmintError('unauthorized', 'keystore_locked', `cannot unlock ${file}: check MAPMINT_KEYSTORE_PASSWORD`);
  }
}

/** Creates a new wallet and writes it as an encrypted keystore (mode 600). */
export async function newKeystore(out: string): Promise<{ address: string; path: string }> {
  const password = process.env.MAPMINT_KEYSTORE_PASSWORD;
  if (!password)
    throw new MapmintError('invalid_input', 'no_password', 'set MAPMINT_KEYSTORE_PASSWORD to encrypt the keystore');
  const w = Wallet.createRandom();
  await writeFile(out, await w.encrypt(password), { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    throw new MapmintError(
      'conflict',
      'keystore_exists',
      e.code === 'EEXIST' ? `${out} exists: not overwriting a key` : e.message,
    );
  });
  return { address: w.address, path: out };
}

/**
 * The wallet for local runs (`start`, `ingest`): MAPMINT_PRIVATE_KEY when set, else a key made once and kept in the
 * state folder (mode 600, never in the repository).
 */
export async function localWallet(): Promise<Wallet> {
  if (process.env.MAPMINT_PRIVATE_KEY) return loadWallet();
  const p = path.join(stateDir(), 'demo-wallet.key');
  if (existsSync(p)) return new Wallet((await readFile(p, 'utf8')).trim());
  await mkdir(stateDir(), { recursive: true });
  const w = Wallet.createRandom();
  await writeFile(p, w.privateKey, { mode: 0o600 });
  return new Wallet(w.privateKey);
}
