import type { Tx } from '../../db/connection.js';
import type { Lang } from '../../db/types.js';

export interface LandingContent {
  centerName: string;
  address: string | null;
  /** only an http(s) link; anything else (e.g. `javascript:`) is dropped */
  mapLink: string | null;
  contactPhone: string | null;
  /** per-language title/description set by admins; empty → the catalog's defaults */
  texts: Partial<Record<Lang, { title?: string; description?: string }>>;
  courses: { id: number; name: string; price: number }[];
}

function parseTexts(raw: string | null): LandingContent['texts'] {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

/** What the public page shows: the center's name and contacts and the active courses with prices. */
export async function loadLandingContent(db: Tx): Promise<LandingContent> {
  const [settings, courses] = await Promise.all([
    db.selectFrom('center_settings').select(['center_name', 'address', 'map_link', 'contact_phone', 'landing_texts']).where('id', '=', 1).executeTakeFirst(),
    db.selectFrom('courses').select(['id', 'name', 'price']).where('active', '=', 1).orderBy('name').orderBy('id').execute(),
  ]);
  const map = settings?.map_link?.trim() ?? '';
  return {
    centerName: settings?.center_name ?? '',
    address: settings?.address ?? null,
    mapLink: /^https?:\/\//i.test(map) ? map : null,
    contactPhone: settings?.contact_phone ?? null,
    texts: parseTexts(settings?.landing_texts ?? null),
    courses: courses.map((c) => ({ id: Number(c.id), name: c.name, price: Number(c.price) })),
  };
}

/** Whether a course the form names may be chosen (exists and is active). */
export async function isActiveCourse(db: Tx, id: number): Promise<boolean> {
  // ids are 32-bit integers: PostgreSQL refuses a larger number in the comparison itself (a 500),
  // and no such course can exist anyway
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) return false;
  const row = await db.selectFrom('courses').select('id').where('id', '=', id).where('active', '=', 1).executeTakeFirst();
  return !!row;
}
