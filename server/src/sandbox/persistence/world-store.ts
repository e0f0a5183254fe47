import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { SandboxWorld } from '../world';
import {
  parseSnapshot,
  raiseCounters,
  restoreSnapshot,
  takeCounters,
  type SnapshotParts,
  takeSnapshot,
} from './world-snapshot';

export const WORLD_FILE_NAME = 'world.json';
/** The id counters alone, written beside the world (see {@link takeCounters}). */
export const IDS_FILE_NAME = 'ids.json';

export interface WorldStoreOptions {
  /** Directory of `world.json`; created when missing. */
  dataDir: string;
  /**
   * A change is written at most this long after it happened (default 500 ms); for a world whose snapshot takes
   * longer than a fifth of that, four times the snapshot's time.
   */
  saveDelayMs?: number;
  /** Where the store says what it did and what went wrong (never a secret: only paths and error messages). */
  log?: (message: string) => void;
}

export type LoadResult =
  | { state: 'loaded' }
  | { state: 'new' }
  /** The file could not be read as a world: it was moved to `movedTo` and the world starts empty. */
  | { state: 'recovered'; reason: string; movedTo?: string };

/**
 * Keeps the sandbox's world in `<dataDir>/world.json`: read once at start, written atomically (a reader or a crash
 * mid-write sees the old file or the new one, never half of one) a short while after each change and on close.
 */
export class WorldStore {
  readonly file: string;
  readonly idsFile: string;
  /** Time of the last successful write, for the control API and tests. */
  savedAt?: Date;
  /** Whether `load` found the stored id counters (`ids.json`) and took them. */
  countersFound = false;

  private readonly saveDelayMs: number;
  private readonly log: (message: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  /** How long the last snapshot held the event loop (a large world takes a few hundred ms). */
  private lastSnapshotMs = 0;
  /** The error of the last failed write, so a lasting failure is reported once, not on every change. */
  private writeError: string | undefined;
  private closed = false;

  constructor(
    private readonly world: SandboxWorld,
    private readonly parts: SnapshotParts,
    opts: WorldStoreOptions,
  ) {
    this.file = path.join(path.resolve(opts.dataDir), WORLD_FILE_NAME);
    this.idsFile = path.join(path.resolve(opts.dataDir), IDS_FILE_NAME);
    this.saveDelayMs = opts.saveDelayMs ?? 500;
    this.log = opts.log ?? ((): void => undefined);
  }

  /**
   * Reads the stored world into the (fresh) world and door. A missing file is a first start. A file that cannot be
   * read or understood is moved aside with a message and the world starts empty: a bad file never stops the
   * sandbox from starting, so a supervisor restarting it cannot loop on it.
   */
  async load(): Promise<LoadResult> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const result = await this.loadWorld();
    await this.loadCounters();
    return result;
  }

  private async loadWorld(): Promise<LoadResult> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'new' };
      return this.recover(`it cannot be read (${errorMessage(err)})`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return this.recover(`it is not valid JSON${jsonErrorPosition(err)}`);
    }
    try {
      restoreSnapshot(parseSnapshot(raw), this.world, this.parts);
    } catch (err) {
      return this.recover(`it is not a readable sandbox world (${errorMessage(err)})`);
    }
    return { state: 'loaded' };
  }

  private async loadCounters(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.idsFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log(`Could not read the sandbox id counters ${this.idsFile}: ${errorMessage(err)}.`);
      }
      return;
    }
    try {
      raiseCounters(this.world, JSON.parse(text));
      this.countersFound = true;
    } catch (err) {
      this.log(`The sandbox id counters ${this.idsFile} are not valid JSON${jsonErrorPosition(err)}; ignoring them.`);
    }
  }

  /** Notes a change: the world is written within the save delay (several changes, one write). */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    // A large world waits longer between writes, so taking snapshots never holds the event loop more than a fifth
    // of the time (the doors keep answering).
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        void this.save();
      },
      Math.max(this.saveDelayMs, 4 * this.lastSnapshotMs),
    );
    // A pending write must not keep a process alive that has nothing else to do; close() flushes it.
    this.timer.unref();
  }

  /** Writes the world now if it changed since the last write; resolves once that write (and any before it) ended. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.save();
  }

  /** Writes what is pending and stops taking changes. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private save(): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      // The snapshot is taken now, synchronously, so the file holds one consistent moment of the world.
      const started = performance.now();
      const text = JSON.stringify(takeSnapshot(this.world, this.parts));
      const ids = JSON.stringify(takeCounters(this.world));
      this.lastSnapshotMs = performance.now() - started;
      this.writing = this.writing.then(() => this.write(text, ids));
    }
    return this.writing;
  }

  private async write(text: string, ids: string): Promise<void> {
    try {
      // Counters first: a crash between the two writes may skip ids, never repeat one.
      await writeFileAtomic(this.idsFile, ids, { encoding: 'utf8', fsync: true, mode: 0o600 });
      await writeFileAtomic(this.file, text, { encoding: 'utf8', fsync: true, mode: 0o600 });
      this.savedAt = new Date();
      if (this.writeError !== undefined) this.log(`The sandbox world is written to ${this.file} again.`);
      this.writeError = undefined;
    } catch (err) {
      // Compared by code: the message names a fresh temporary file each time.
      const kind = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
      if (kind !== this.writeError) {
        this.log(
          `Could not write the sandbox world to ${this.file}: ${errorMessage(err)}; trying again on the next change.`,
        );
      }
      this.writeError = kind;
      this.dirty = true;
    }
  }

  private async recover(reason: string): Promise<LoadResult> {
    const movedTo = `${this.file}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.file, movedTo);
    } catch (err) {
      this.log(
        `The stored sandbox world ${this.file} is unusable: ${reason}, and could not be moved aside ` +
          `(${errorMessage(err)}). Starting with an empty world; it will be overwritten.`,
      );
      return { state: 'recovered', reason };
    }
    this.log(
      `The stored sandbox world ${this.file} is unusable: ${reason}. It was moved to ${movedTo}; ` +
        'starting with an empty world.',
    );
    return { state: 'recovered', reason, movedTo };
  }
}

/**
 * Where JSON.parse stopped, without its message: V8 quotes a piece of the text there, and the file holds bot tokens
 * and keys, which never go into a log.
 */
function jsonErrorPosition(err: unknown): string {
  const at = /position (\d+)/.exec(errorMessage(err));
  return at ? ` (stopped at character ${at[1]})` : '';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
