import { fileURLToPath } from 'node:url';
import { ComponentLoader } from 'adminjs';
import { COMPONENT_FILES } from './component-files.js';

const here = (file: string) => fileURLToPath(new URL(`./components/${file}`, import.meta.url));

/** The loader AdminJS bundles from and renders with (built the same way by admin/bundle.ts and at run time). */
export function createComponentLoader(): ComponentLoader {
  const loader = new ComponentLoader();
  for (const c of COMPONENT_FILES) {
    if (c.override) loader.override(c.name, here(c.file));
    else loader.add(c.name, here(c.file));
  }
  return loader;
}
