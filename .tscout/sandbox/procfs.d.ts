/** Where a symlink (a /proc link too) points, or undefined. */
export declare const linkTarget: (path: string) => string | undefined;
/** The names in a directory, or none. */
export declare const directoryEntries: (path: string) => ReadonlyArray<string>;
/** The children of every thread of `pid` (a child belongs to the thread that started it). */
export declare const childrenOf: (pid: number) => Array<number>;
//# sourceMappingURL=procfs.d.ts.map