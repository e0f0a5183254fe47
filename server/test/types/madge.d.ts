/** The part of madge's API the architecture spec uses (the package ships no types). */
declare module 'madge' {
  interface MadgeResult {
    /** Each file (relative to the base directory) and the files it imports. */
    obj(): Record<string, string[]>;
    /** Import cycles, each as the files along it. */
    circular(): string[][];
  }
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    excludeRegExp?: RegExp[];
  }
  function madge(path: string, config?: MadgeConfig): Promise<MadgeResult>;
  export = madge;
}
