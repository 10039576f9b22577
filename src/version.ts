/** Kept equal to package.json's version by test/inventory.test.ts. */
export const VERSION = '0.1.0';
