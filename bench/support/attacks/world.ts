/**
 * One scenario's world: a database of its own (migrated, the town's roads imported), the real API server over it,
 * contributors who sign in with fresh wallets and upload through the SDK (tus), and the pipeline's stages run in
 * process in their job-graph order: upload.received -> ingest.validate -> ingest.sample -> roads.match ->
 * rewards.book. Vision, fusion and tiles follow in the real graph but decide nothing about tokens, so they are left
 * out. A world per scenario keeps each scenario's tokens its own: an attack never earns nothing only because an
 * earlier scenario already covered its streets.
 */
import type { UploadManifest } from '../../../api/index.ts';
import { sampleUpload, validateUpload, verifyUpload } from '../../../ingest/index.ts';
import type { BeforeStore } from '../../../ingest/sample/index.ts';
import { bookUpload, DEFAULT_REWARDS } from '../../../rewards/index.ts';
import { importRoads, matchUpload } from '../../../roads/index.ts';
import {
  ApiError,
  type DeviceSigner,
  generateDeviceKeys,
  type MapmintClient,
  registerDevice,
  webCryptoDeviceSigner,
} from '../../../sdk/index.ts';
import { uploadFiles } from '../../../sdk/node.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

/** The dashcam every contributor declares unless a scenario says otherwise. */
const DASHCAM: UploadManifest['device'] = { make: 'mapmint', model: 'demo', hfovDeg: 115, mount: 'windshield' };

/** A signed-in contributor and the device key their uploads are signed with. */
export interface Contributor {
  client: MapmintClient;
  address: string;
  signer: DeviceSigner;
  /** Why registering the key failed (another contributor's key: `device_key_taken`), when it did. */
  registration?: string;
}

/** What the pipeline made of one upload. */
export interface Outcome {
  uploadId: string;
  /**
   * `done` stands for "went through every step run here" (the real graph goes on to vision, fusion, tiles);
   * `refused` for an upload the server would not even create (its error code is the one reason).
   */
  status: string;
  verdict: string | null;
  /** Quarantine reason codes (empty when not quarantined). */
  reasons: string[];
  frames: number;
  /** Token base units (18 decimals) booked to the upload. */
  tokensWei: bigint;
  /** Why rewards.book booked nothing, when it says. */
  bookNote: string | null;
}

/** How the stages run: the sampler's privacy hook (the worker always passes the real blur). */
export interface WorldOptions {
  beforeStore?: BeforeStore;
}

/** A scenario's world (see the file comment). */
export interface World {
  server: TestServer;
  /**
   * A fresh contributor who registers a device key and signs every upload with it, as the CLI does once a key
   * exists: a new key, or `key` (someone else's, copied off their device).
   */
  contributor(key?: DeviceSigner): Promise<Contributor>;
  /** Uploads files through the SDK as `who` and runs the pipeline until the upload is quarantined or booked. */
  upload(who: Contributor, files: string[], manifest?: Partial<Omit<UploadManifest, 'files'>>): Promise<Outcome>;
  close(): Promise<void>;
}

/** Opens a world, with the town's roads (`pbf`) imported when given. */
export async function openWorld(pbf: string | undefined, opts: WorldOptions = {}): Promise<World> {
  const server = await startTestServer();
  try {
    if (pbf) await importRoads(server.db.sql, pbf, { region: 'attack-town' });
  } catch (e) {
    await server.close();
    throw e;
  }
  const ctx = { sql: server.db.sql, blobs: server.blobs, queue: server.queue };
  const quarantined = async (id: string) =>
    (await server.db.sql<{ status: string }[]>`select status from uploads where id = ${id}`)[0]?.status ===
    'quarantined';
  return {
    server,
    async contributor(key) {
      const { client, wallet } = await server.client();
      const signer = key ?? (await webCryptoDeviceSigner(await generateDeviceKeys()));
      try {
        await registerDevice(client, signer);
        return { client, address: wallet.address, signer };
      } catch (e) {
        if (!(e instanceof ApiError) || e.status >= 500) throw e;
        return { client, address: wallet.address, signer, registration: e.code };
      }
    },
    async upload(who, files, manifest = {}) {
      let up: { id: string };
      try {
        up = await uploadFiles(who.client, files, { device: DASHCAM, ...manifest }, { signer: who.signer });
      } catch (e) {
        if (!(e instanceof ApiError) || e.status >= 500) throw e;
        return { ...REFUSED, reasons: [e.code] };
      }
      const steps = [
        () => verifyUpload(ctx, up.id),
        () => validateUpload(ctx, up.id),
        () => sampleUpload(ctx, up.id, undefined, opts.beforeStore ? { beforeStore: opts.beforeStore } : {}),
        () => matchUpload(ctx, up.id),
        () => bookUpload(ctx, up.id, DEFAULT_REWARDS),
      ];
      for (const step of steps) {
        await step();
        if (await quarantined(up.id)) break;
      }
      return outcome(server, up.id);
    },
    close: () => server.close(),
  };
}

/** What rewards.book reports of an upload (rewards/book.ts). */
interface BookOutput {
  booked?: number;
  reason?: string;
  candidates?: number;
  /** Covered pieces without kept frames along them: they earn nothing (rewards follow imagery). */
  withoutFrames?: number;
}

/** Why booking paid nothing, when its output says: its own reason, or no kept frame along any covered piece. */
function bookNote(o: BookOutput): string | null {
  if (o.reason) return o.reason;
  if (o.booked === 0 && (o.candidates ?? 0) > 0 && o.withoutFrames === o.candidates)
    return `no kept frames along any of the ${o.candidates} covered pieces`;
  return null;
}

/** An upload the server refused to create: nothing stored, nothing booked. */
const REFUSED: Outcome = {
  uploadId: '',
  status: 'refused',
  verdict: null,
  reasons: [],
  frames: 0,
  tokensWei: 0n,
  bookNote: null,
};

/** Reads back what happened to an upload: state, verdict, reasons, frames kept and tokens booked. */
async function outcome(server: TestServer, uploadId: string): Promise<Outcome> {
  const sql = server.db.sql;
  const [u] = await sql<{ status: string; verdict: string | null; reasons: { code: string }[] }[]>`
    select status, validation->>'verdict' as verdict, reasons from uploads where id = ${uploadId}`;
  const [f] = await sql<{ n: number }[]>`select count(*)::int as n from frames where upload_id = ${uploadId}`;
  const [l] = await sql<{ wei: string }[]>`
    select coalesce(sum(amount), 0)::text as wei from ledger_entries where upload_id = ${uploadId}`;
  const [b] = await sql<{ output: BookOutput | null }[]>`
    select output from step_runs where upload_id = ${uploadId} and step = 'rewards.book'`;
  return {
    uploadId,
    status: u?.status === 'processing' && b ? 'done' : (u?.status ?? 'missing'),
    verdict: u?.verdict ?? null,
    reasons: u?.status === 'quarantined' ? (u.reasons ?? []).map((r) => r.code) : [],
    frames: f?.n ?? 0,
    tokensWei: BigInt(l?.wei ?? '0'),
    bookNote: b ? bookNote(b.output ?? {}) : null,
  };
}
