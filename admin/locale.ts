import { AsyncLocalStorage } from 'node:async_hooks';
import type { Locale, LocaleTranslations } from 'adminjs';
import { allKeys, t, type Lang } from '../core/i18n/i18n.js';

export const ADMIN_LANGS: Lang[] = ['uz', 'ru', 'en'];

/**
 * The language of the request being rendered. AdminJS asks for its locale without the request,
 * so the request's language (from ?lang= or the cookie) travels with it here.
 */
export const requestLang = new AsyncLocalStorage<{ lang: Lang }>();

type Tree = { [key: string]: string | Tree };

// AdminJS's own words (buttons, messages, login page) in our three languages; English overrides
// only what names AdminJS itself.
const ui: Record<Lang, Tree> = {
  uz: {
    actions: { new: "Yangi qo'shish", edit: 'Tahrirlash', show: "Ko'rish", delete: "O'chirish", bulkDelete: "Hammasini o'chirish", list: "Ro'yxat", search: 'Qidirish' },
    buttons: {
      save: 'Saqlash',
      addNewItem: "Yangi element qo'shish",
      filter: 'Filtr',
      filterActive: 'Filtr ({{count}})',
      applyChanges: "O'zgarishlarni qo'llash",
      resetFilter: 'Tozalash',
      confirmRemovalMany: "{{count}} ta yozuvni o'chirishni tasdiqlang",
      confirmRemovalMany_plural: "{{count}} ta yozuvni o'chirishni tasdiqlang",
      logout: 'Chiqish',
      login: 'Kirish',
      seeTheDocumentation: "Qarang: <1>qo'llanma</1>",
      createFirstRecord: 'Birinchi yozuvni yaratish',
      cancel: 'Bekor qilish',
      confirm: 'Tasdiqlash',
      contactUs: "Bog'lanish",
    },
    components: {
      DropZone: {
        placeholder: 'Faylni shu yerga tashlang yoki tanlang',
        acceptedSize: 'Eng katta hajm: {{maxSize}}',
        acceptedType: 'Turlari: {{mimeTypes}}',
        unsupportedSize: '{{fileName}} fayli juda katta',
        unsupportedType: '{{fileName}} fayli turi qabul qilinmaydi: {{fileType}}',
      },
      LanguageSelector: { availableLanguages: { uz: "O'zbekcha", ru: 'Русский', en: 'English' } },
      Login: {
        welcomeHeader: 'Xush kelibsiz',
        welcomeMessage: "O'quv markazi sotuv bo'limining boshqaruv paneli",
        properties: { email: 'Foydalanuvchi nomi', password: 'Parol' },
        loginButton: 'Kirish',
      },
    },
    labels: {
      navigation: 'Boʻlimlar',
      pages: 'Sahifalar',
      selectedRecords: 'Tanlangan ({{selected}})',
      filters: 'Filtrlar',
      adminVersion: 'Admin: {{version}}',
      appVersion: 'Ilova: {{version}}',
      dashboard: 'Bosh sahifa',
    },
    properties: { length: 'Soni', from: 'Dan', to: 'Gacha' },
    messages: {
      successfullyBulkDeleted: "{{count}} ta yozuv o'chirildi",
      successfullyBulkDeleted_plural: "{{count}} ta yozuv o'chirildi",
      successfullyDeleted: "Yozuv o'chirildi",
      successfullyUpdated: 'Yozuv saqlandi',
      thereWereValidationErrors: 'Xatolar bor — quyidagi maydonlarni tekshiring',
      forbiddenError: "{{resourceId}} uchun {{actionName}} amaliga ruxsat yo'q",
      anyForbiddenError: "Bu amalga ruxsat yo'q",
      successfullyCreated: 'Yangi yozuv yaratildi',
      bulkDeleteError: "Yozuvlarni o'chirishda xato yuz berdi",
      errorFetchingRecords: 'Yozuvlarni yuklashda xato yuz berdi',
      errorFetchingRecord: 'Yozuvni yuklashda xato yuz berdi',
      noRecordsSelected: 'Hech qanday yozuv tanlanmagan',
      theseRecordsWillBeRemoved: "Quyidagi yozuv o'chiriladi",
      theseRecordsWillBeRemoved_plural: "Quyidagi yozuvlar o'chiriladi",
      pickSomeFirstToRemove: "O'chirish uchun avval yozuvlarni tanlang",
      error404Resource: '{{resourceId}} bo‘limi topilmadi',
      error404Action: "{{resourceId}} bo‘limida {{actionName}} amali yo'q yoki ruxsat berilmagan",
      error404Record: "{{resourceId}} bo‘limida {{recordId}} yozuvi yo'q yoki ruxsat berilmagan",
      seeConsoleForMore: "Batafsil ma'lumot jurnalda",
      noActionComponent: "Bu amal uchun komponent yo'q",
      noRecordsInResource: "Bu bo'limda hali yozuv yo'q",
      noRecords: "Yozuv yo'q",
      confirmDelete: "Rostdan ham o'chirasizmi?",
      invalidCredentials: "Foydalanuvchi nomi yoki parol noto'g'ri",
      accountLocked: "Juda ko'p noto'g'ri urinish: hisob 15 daqiqaga bloklandi",
      roleNotAllowed: "Boshqaruv paneliga faqat administrator va sotuv menejeri kira oladi",
      tooManyRequests: "Juda ko'p urinish, keyinroq qayta urining",
      recordNotFound: 'Yozuv topilmadi',
      recordInUse: "Bu yozuvga boshqa yozuvlar bog'langan, uni o'chirib bo'lmaydi",
      fieldRequired: "To'ldirilishi shart",
      fieldMustBeNumber: "Son bo'lishi kerak",
      fieldMustBeInteger: "Butun son bo'lishi kerak",
      fieldTooSmall: 'Juda kichik',
      fieldTooLarge: 'Juda katta',
      fieldTooLong: 'Juda uzun',
      fieldNotAllowedValue: "Ruxsat etilmagan qiymat",
      fieldMustBeDate: "Sana noto'g'ri",
      fieldMustBeDateTime: "Sana va vaqt noto'g'ri",
      fieldMustBeReference: "Ro'yxatdan tanlang",
      fieldBadFormat: "Formati noto'g'ri",
      fieldMustBeUnique: 'Bunday qiymat allaqachon bor',
      fieldReferenceMissing: "Bog'langan yozuv topilmadi",
      fieldTime: "Vaqt SS:DD ko'rinishida bo'lsin",
      fieldDays: "Hafta kunlari 1–7 raqamlari, vergul bilan",
      fieldRoleNotAllowed: "Menejer faqat sotuvchilarni qo'sha oladi",
      fieldPasswordShort: "Parol kamida 8 belgidan iborat bo'lsin",
      dashboardTitle: 'Sotuv boshqaruvi',
      dashboardHint: "Chap menyudan bo'limni tanlang: lidlar, qayta aloqalar, jamoa, markaz.",
      pageNotFound_title: 'Sahifa topilmadi',
      pageNotFound_subtitle: '<strong>"{{pageName}}"</strong> sahifasi mavjud emas',
    },
  },
  ru: {
    actions: { new: 'Создать', edit: 'Редактировать', show: 'Просмотр', delete: 'Удалить', bulkDelete: 'Удалить все', list: 'Список', search: 'Поиск' },
    buttons: {
      save: 'Сохранить',
      addNewItem: 'Добавить элемент',
      filter: 'Фильтр',
      filterActive: 'Фильтр ({{count}})',
      applyChanges: 'Применить',
      resetFilter: 'Сбросить',
      confirmRemovalMany: 'Подтвердите удаление {{count}} записи',
      confirmRemovalMany_plural: 'Подтвердите удаление {{count}} записей',
      logout: 'Выйти',
      login: 'Войти',
      seeTheDocumentation: 'См.: <1>документацию</1>',
      createFirstRecord: 'Создать первую запись',
      cancel: 'Отмена',
      confirm: 'Подтвердить',
      contactUs: 'Связаться',
    },
    components: {
      DropZone: {
        placeholder: 'Перетащите файл сюда или выберите',
        acceptedSize: 'Максимальный размер: {{maxSize}}',
        acceptedType: 'Типы: {{mimeTypes}}',
        unsupportedSize: 'Файл {{fileName}} слишком большой',
        unsupportedType: 'Тип файла {{fileName}} не поддерживается: {{fileType}}',
      },
      LanguageSelector: { availableLanguages: { uz: "O'zbekcha", ru: 'Русский', en: 'English' } },
      Login: {
        welcomeHeader: 'Добро пожаловать',
        welcomeMessage: 'Панель управления отдела продаж учебного центра',
        properties: { email: 'Имя пользователя', password: 'Пароль' },
        loginButton: 'Войти',
      },
    },
    labels: {
      navigation: 'Разделы',
      pages: 'Страницы',
      selectedRecords: 'Выбрано ({{selected}})',
      filters: 'Фильтры',
      adminVersion: 'Админ: {{version}}',
      appVersion: 'Приложение: {{version}}',
      dashboard: 'Главная',
    },
    properties: { length: 'Количество', from: 'С', to: 'По' },
    messages: {
      successfullyBulkDeleted: 'Удалено записей: {{count}}',
      successfullyBulkDeleted_plural: 'Удалено записей: {{count}}',
      successfullyDeleted: 'Запись удалена',
      successfullyUpdated: 'Запись сохранена',
      thereWereValidationErrors: 'Есть ошибки — проверьте поля ниже',
      forbiddenError: 'Действие {{actionName}} для {{resourceId}} запрещено',
      anyForbiddenError: 'Это действие запрещено',
      successfullyCreated: 'Запись создана',
      bulkDeleteError: 'Ошибка при удалении записей',
      errorFetchingRecords: 'Ошибка загрузки записей',
      errorFetchingRecord: 'Ошибка загрузки записи',
      noRecordsSelected: 'Записи не выбраны',
      theseRecordsWillBeRemoved: 'Будет удалена запись',
      theseRecordsWillBeRemoved_plural: 'Будут удалены записи',
      pickSomeFirstToRemove: 'Сначала выберите записи для удаления',
      error404Resource: 'Раздел {{resourceId}} не найден',
      error404Action: 'В разделе {{resourceId}} нет действия {{actionName}} или оно запрещено',
      error404Record: 'В разделе {{resourceId}} нет записи {{recordId}} или доступ запрещён',
      seeConsoleForMore: 'Подробности в журнале',
      noActionComponent: 'Для этого действия нет компонента',
      noRecordsInResource: 'В этом разделе пока нет записей',
      noRecords: 'Нет записей',
      confirmDelete: 'Действительно удалить?',
      invalidCredentials: 'Неверное имя пользователя или пароль',
      accountLocked: 'Слишком много неверных попыток: учётная запись заблокирована на 15 минут',
      roleNotAllowed: 'В панель управления могут войти только администратор и менеджер по продажам',
      tooManyRequests: 'Слишком много попыток, попробуйте позже',
      recordNotFound: 'Запись не найдена',
      recordInUse: 'На эту запись ссылаются другие записи, её нельзя удалить',
      fieldRequired: 'Обязательное поле',
      fieldMustBeNumber: 'Должно быть числом',
      fieldMustBeInteger: 'Должно быть целым числом',
      fieldTooSmall: 'Слишком маленькое значение',
      fieldTooLarge: 'Слишком большое значение',
      fieldTooLong: 'Слишком длинное значение',
      fieldNotAllowedValue: 'Недопустимое значение',
      fieldMustBeDate: 'Неверная дата',
      fieldMustBeDateTime: 'Неверные дата и время',
      fieldMustBeReference: 'Выберите из списка',
      fieldBadFormat: 'Неверный формат',
      fieldMustBeUnique: 'Такое значение уже есть',
      fieldReferenceMissing: 'Связанная запись не найдена',
      fieldTime: 'Время в формате ЧЧ:ММ',
      fieldDays: 'Дни недели цифрами 1–7 через запятую',
      fieldRoleNotAllowed: 'Менеджер может добавлять только продавцов',
      fieldPasswordShort: 'Пароль не короче 8 символов',
      dashboardTitle: 'Управление продажами',
      dashboardHint: 'Выберите раздел в меню слева: лиды, касания, команда, центр.',
      pageNotFound_title: 'Страница не найдена',
      pageNotFound_subtitle: 'Страницы <strong>"{{pageName}}"</strong> нет',
    },
  },
  en: {
    actions: { search: 'Search' },
    components: {
      LanguageSelector: { availableLanguages: { uz: "O'zbekcha", ru: 'Русский', en: 'English' } },
      Login: {
        welcomeHeader: 'Welcome',
        welcomeMessage: "Back office of the education center's sales team",
        properties: { email: 'Username' },
      },
    },
    messages: {
      invalidCredentials: 'Wrong username or password',
      accountLocked: 'Too many wrong attempts: the account is locked for 15 minutes',
      roleNotAllowed: 'Only admins and sales managers may use the back office',
      tooManyRequests: 'Too many attempts, try again later',
      recordNotFound: 'Record not found',
      recordInUse: 'Other records refer to this one; it cannot be deleted',
      fieldRequired: 'Required',
      fieldMustBeNumber: 'Must be a number',
      fieldMustBeInteger: 'Must be a whole number',
      fieldTooSmall: 'Too small',
      fieldTooLarge: 'Too large',
      fieldTooLong: 'Too long',
      fieldNotAllowedValue: 'Not an allowed value',
      fieldMustBeDate: 'Not a valid date',
      fieldMustBeDateTime: 'Not a valid date and time',
      fieldMustBeReference: 'Pick one from the list',
      fieldBadFormat: 'Wrong format',
      fieldMustBeUnique: 'This value is already taken',
      fieldReferenceMissing: 'The linked record does not exist',
      fieldTime: 'Time as HH:MM',
      fieldDays: 'Weekdays as digits 1–7, comma separated',
      fieldRoleNotAllowed: 'A manager may add salespeople only',
      fieldPasswordShort: 'At least 8 characters',
      dashboardTitle: 'Sales back office',
      dashboardHint: 'Pick a section in the menu on the left: leads, follow-ups, team, center.',
    },
  },
};

// column labels shared by many tables (a resource may still name its own)
const columns: Record<Lang, Record<string, string>> = {
  uz: {
    id: 'ID', name: 'Nomi', created_at: 'Yaratilgan', updated_at: 'Yangilangan', active: 'Faol', notes: 'Izoh',
    user_id: 'Xodim', sales_id: 'Sotuvchi', lead_id: 'Lid', course_id: 'Kurs', group_id: 'Guruh', room_id: 'Xona',
    date: 'Sana', time: 'Vaqt', capacity: "Sig'im", status: 'Holat', priority: 'Muhimlik', phone: 'Telefon',
  },
  ru: {
    id: 'ID', name: 'Название', created_at: 'Создано', updated_at: 'Обновлено', active: 'Активен', notes: 'Заметки',
    user_id: 'Сотрудник', sales_id: 'Продавец', lead_id: 'Лид', course_id: 'Курс', group_id: 'Группа', room_id: 'Кабинет',
    date: 'Дата', time: 'Время', capacity: 'Вместимость', status: 'Статус', priority: 'Приоритет', phone: 'Телефон',
  },
  en: {
    id: 'ID', name: 'Name', created_at: 'Created', updated_at: 'Updated', active: 'Active', notes: 'Notes',
    user_id: 'Staff member', sales_id: 'Salesperson', lead_id: 'Lead', course_id: 'Course', group_id: 'Group', room_id: 'Room',
    date: 'Date', time: 'Time', capacity: 'Capacity', status: 'Status', priority: 'Priority', phone: 'Phone',
  },
};

const navigation: Record<Lang, Record<string, string>> = {
  uz: { nav_sales: 'Sotuv', nav_team: 'Jamoa', nav_center: 'Markaz', nav_system: 'Tizim' },
  ru: { nav_sales: 'Продажи', nav_team: 'Команда', nav_center: 'Центр', nav_system: 'Система' },
  en: { nav_sales: 'Sales', nav_team: 'Team', nav_center: 'Center', nav_system: 'System' },
};

/** What a resource module says about itself in each language. */
export interface ResourceWords {
  /** the resource's name in the menu and headings */
  name: string;
  /** column labels */
  properties?: Record<string, string>;
  /** action labels of the resource's own actions */
  actions?: Record<string, string>;
}

/**
 * Labels of an enum column's values, taken from the shared catalogs (core/i18n) so a status reads
 * the same in the bot, the Mini App and here. `catalogPrefix` is the catalog's key prefix.
 */
export function enumLabels(lang: Lang, column: string, values: readonly string[], catalogPrefix: string): Tree {
  return { [column]: Object.fromEntries(values.map((v) => [v, t(lang, `${catalogPrefix}.${v}`)])) };
}

export interface ResourceLocale {
  id: string;
  words: Record<Lang, ResourceWords>;
  /** extra labels, e.g. enum values: enumLabels(...) */
  labels?: (lang: Lang) => Tree;
  /** boolean columns, whose true/false read as yes/no in the language */
  booleans?: string[];
}

const yesNo: Record<Lang, { true: string; false: string }> = {
  uz: { true: 'Ha', false: "Yo'q" },
  ru: { true: 'Да', false: 'Нет' },
  en: { true: 'Yes', false: 'No' },
};

function resourceBlock(r: ResourceLocale, lang: Lang): Tree {
  const w = r.words[lang];
  return {
    labels: {
      [r.id]: w.name,
      ...Object.fromEntries((r.booleans ?? []).map((b) => [b, yesNo[lang]])),
      ...(r.labels?.(lang) ?? {}),
    },
    properties: { ...(w.properties ?? {}) },
    actions: { ...(w.actions ?? {}) },
  };
}

const businessActions = (lang: Lang): Tree =>
  Object.fromEntries(allKeys(lang).filter((k) => k.startsWith('adm.action.')).map((k) => [k.slice('adm.action.'.length), t(lang, k)]));

/** The full AdminJS locale for one language: our UI words, every resource's names and labels. */
export function buildLocale(lang: Lang, resources: ResourceLocale[]): Locale {
  const translations: Record<string, LocaleTranslations> = {};
  for (const l of ADMIN_LANGS) {
    const base = ui[l] as Record<string, Tree>;
    translations[l] = {
      ...base,
      labels: { ...((base.labels as Tree) ?? {}), ...navigation[l] },
      properties: { ...((base.properties as Tree) ?? {}), ...columns[l] },
      // business actions by name too: the breadcrumb asks for an action's label without its resource
      actions: { ...((base.actions as Tree) ?? {}), ...businessActions(l) },
      resources: Object.fromEntries(resources.map((r) => [r.id, resourceBlock(r, l)])),
      // custom pages' menu labels (admin/imports.ts IMPORTS_PAGE)
      pages: { ...((base.pages as Tree) ?? {}), imports: t(l, 'adm.imp.page') },
    } as LocaleTranslations;
  }
  // lng: AdminJS's browser side only honours the language through i18next's own option
  return { language: lang, lng: lang, availableLanguages: [...ADMIN_LANGS], translations, fallbackLng: 'en' } as Locale;
}
