/** The package version; a unit test keeps it equal to package.json's, so start-up never reads that file. */
export const VERSION = "0.1.0";
