import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The keras-roundtrip package root (where harness/, generator/ and cases/ live). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CASES_DIR = path.join(PACKAGE_ROOT, 'cases');
export const EXPECTATIONS_DIR = path.join(CASES_DIR, 'expectations');
export const GENERATOR_DIR = path.join(PACKAGE_ROOT, 'generator');
export const GOLDEN_DIR = path.join(PACKAGE_ROOT, 'golden');
export const REPORTS_DIR = path.join(PACKAGE_ROOT, 'reports');
export const VENVS_DIR = path.join(PACKAGE_ROOT, '.venvs');
export const TFJS_NODE_DIR = path.join(PACKAGE_ROOT, 'node_modules', '@tensorflow', 'tfjs-node');
/** keras-roundtrip's own TS custom-object twins, imported like a project config's `customObjects` modules. */
export const BUILTIN_CUSTOM_OBJECTS_MODULE = path.join(PACKAGE_ROOT, 'harness', 'custom-objects', 'index.ts');
