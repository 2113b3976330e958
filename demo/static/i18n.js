// The page's own texts, one catalog per locale (static/i18n/<locale>.json).

export const LOCALES = ["zh_Hans", "zh_Hant", "en"];
const STORE_KEY = "kesu-demo-locale";
let catalog = {};
let current = "en";

export function browserLocale(languages = navigator.languages || [navigator.language || "en"]) {
  for (const raw of languages) {
    const code = String(raw).toLowerCase();
    if (/^zh-(hant|tw|hk|mo)/.test(code)) return "zh_Hant";
    if (code.startsWith("zh")) return "zh_Hans";
    if (code.startsWith("en")) return "en";
  }
  return "en";
}

export function chosenLocale() {
  const stored = localStorage.getItem(STORE_KEY);
  return LOCALES.includes(stored) ? stored : browserLocale();
}

export async function setLocale(locale) {
  const response = await fetch(`/static/i18n/${locale}.json`);
  catalog = await response.json();
  current = locale;
  localStorage.setItem(STORE_KEY, locale);
  document.documentElement.lang = { zh_Hans: "zh-Hans", zh_Hant: "zh-Hant", en: "en" }[locale];
  applyTexts(document);
  document.dispatchEvent(new Event("kesu-locale"));
}

export function locale() {
  return current;
}

export function t(key, params = {}) {
  const text = catalog[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// Elements name their text with data-i18n, their title with data-i18n-title and their
// placeholder with data-i18n-placeholder.
export function applyTexts(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
}
