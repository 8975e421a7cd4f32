/**
 * The system ffmpeg/ffprobe (Debian's `apt-get install ffmpeg`, at /usr/bin), driven through fluent-ffmpeg, which
 * spawns them with argument arrays. `MAPMINT_FFMPEG` / `MAPMINT_FFPROBE` override the paths. We use the system build
 * rather than an npm static binary because it is the one the demo encoder and the packaging already depend on.
 */
import { existsSync } from 'node:fs';
import ffmpeg from 'fluent-ffmpeg';

function systemBinary(env: string | undefined, name: string): string {
  if (env) return env;
  const sys = `/usr/bin/${name}`;
  return existsSync(sys) ? sys : name;
}

/** Path of the ffmpeg binary used by ingest. */
export const FFMPEG_PATH = systemBinary(process.env.MAPMINT_FFMPEG, 'ffmpeg');
/** Path of the ffprobe binary used by ingest. */
export const FFPROBE_PATH = systemBinary(process.env.MAPMINT_FFPROBE, 'ffprobe');

/** A fluent-ffmpeg command bound to the system binaries. */
export function ffmpegCommand(input: string): ffmpeg.FfmpegCommand {
  return ffmpeg(input).setFfmpegPath(FFMPEG_PATH).setFfprobePath(FFPROBE_PATH);
}

/** fluent-ffmpeg's ffprobe (`-show_streams -show_format` plus `extra`) as a promise. */
export function ffprobeData(file: string, extra: string[] = []): Promise<ffmpeg.FfprobeData> {
  return new Promise((resolve, reject) => {
    ffmpegCommand(file).ffprobe(extra, (err: unknown, data) => (err ? reject(err) : resolve(data)));
  });
}
