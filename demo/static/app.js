// The demo page: a customer's chat with the bot beside the staff group's forum, both fed by the
// fake server's event stream; people's actions go to its control API.
import { renderTelegramHtml, plainText } from "./telegram_html.js";
import { chosenLocale, locale, setLocale, t } from "./i18n.js";
import { initTour } from "./tour.js";

const $ = (id) => document.getElementById(id);
const S = {
  state: null,
  messages: new Map(),  // "chat:message" -> message view
  chats: new Map(),
  customerId: null,
  topic: null,          // open topic's thread id; 0 = General
  replyTo: null,
  autoReplied: new Set(),
  role: "agent",
  attachFor: null,
  seenStaff: 0,
};

// -- talking to the server -------------------------------------------------------------------
async function call(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch { /* an error page */ }
  if (!response.ok || (data && data.ok === false)) throw new Error((data && data.error) || text || response.status);
  return data && "ok" in data ? data.result : data;
}

async function act(userId, action, body) {
  try {
    return await call(`/control/users/${userId}/${action}`, body);
  } catch (error) {
    toast(t("error.action", { error: error.message }));
    throw error;
  }
}

function toast(text) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 4000);
}

async function loadState() {
  S.state = await call("/api/state");
  if (!S.state.customers.some((c) => c.id === S.customerId)) S.customerId = S.state.customers.at(-1)?.id ?? null;
  $("starting").hidden = S.state.ready;
  // Another tab's reset, or a visit while the bot starts: look again until it is up.
  if (!S.state.ready) setTimeout(loadState, 1000);
  renderAll();
}

// -- the stream ----------------------------------------------------------------------------
function connect() {
  const source = new EventSource("/control/stream");
  source.onmessage = (event) => {
    const batch = JSON.parse(event.data);
    for (const chat of batch.chats) S.chats.set(chat.chat_id, chat);
    for (const view of batch.messages) S.messages.set(`${view.chat_id}:${view.message_id}`, view);
    // Telegram shows a button's answer for a moment over the chat of the person who pressed it.
    for (const answer of batch.answers || []) {
      if (answer.text && (answer.user_id === S.customerId || staffMember(answer.user_id))) toast(answer.text);
    }
    if (S.state && S.state.generation !== batch.generation) loadState();
    else scheduleRender();
  };
  source.addEventListener("reset", () => {
    S.messages.clear();
    S.chats.clear();
    S.topic = null;
    S.replyTo = null;
    S.autoReplied.clear();
    S.seenStaff = 0;
    loadState();
  });
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => { renderPending = false; renderAll(); });
}

function chatMessages(chatId) {
  return [...S.messages.values()].filter((m) => m.chat_id === chatId && !m.deleted)
    .sort((a, b) => a.message_id - b.message_id);
}

// -- one message ---------------------------------------------------------------------------
function staffMember(userId) {
  return S.state?.staff.find((s) => s.id === userId);
}

function senderName(view) {
  if (view.from.is_bot) return t("staff.bot_name");
  const member = staffMember(view.from.id);
  return member ? `${view.from.name} · ${t(`role.${member.role}`)}` : view.from.name;
}

function mediaNode(media) {
  if (media.kind === "photo") {
    const img = document.createElement("img");
    img.src = `/control/files/${encodeURIComponent(media.file_id)}`;
    img.alt = t("media.photo");
    img.className = "photo";
    img.onerror = () => { img.replaceWith(fileChip("🖼", t("media.photo"))); };
    return img;
  }
  const icons = { document: "📄", voice: "🎤", video: "🎬", sticker: media.emoji || "🙂" };
  const label = media.kind === "document" ? (media.file_name || t("media.document")) : t(`media.${media.kind}`);
  const chip = fileChip(icons[media.kind] || "📎", label);
  if (media.kind === "document") {
    const link = document.createElement("a");
    link.href = `/control/files/${encodeURIComponent(media.file_id)}`;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.append(chip);
    return link;
  }
  return chip;
}

function fileChip(icon, label) {
  const chip = document.createElement("span");
  chip.className = "file-chip";
  chip.textContent = `${icon} ${label}`;
  return chip;
}

function serviceText(service) {
  if (service.kind === "forum_topic_created") return t("service.topic_created", { name: service.name });
  if (service.kind === "forum_topic_edited") return t("service.topic_renamed", { name: service.name ?? "" });
  if (service.kind === "forum_topic_closed") return t("service.topic_closed");
  return t("service.topic_reopened");
}

function messageNode(view, side, onPress, onReply) {
  const item = document.createElement("li");
  item.dataset.messageId = view.message_id;
  if (view.service) {
    item.className = "service";
    item.textContent = serviceText(view.service);
    return item;
  }
  item.className = `msg ${side === "out" ? "out" : "in"}`;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (side === "group") {
    const name = document.createElement("div");
    name.className = "sender" + (view.from.is_bot ? " bot" : "");
    name.textContent = senderName(view);
    bubble.append(name);
  }
  if (view.reply_to) {
    const quote = document.createElement("div");
    quote.className = "reply-quote";
    quote.textContent = view.reply_to.text || "…";
    bubble.append(quote);
  }
  if (view.media) bubble.append(mediaNode(view.media));
  if (view.contact) bubble.append(fileChip("👤", `${view.contact.first_name} ${view.contact.phone_number}`));
  if (view.location) bubble.append(fileChip("📍", `${view.location.latitude}, ${view.location.longitude}`));
  if (view.html) {
    const body = document.createElement("div");
    body.className = "text";
    body.append(renderTelegramHtml(view.html));
    bubble.append(body);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  if (view.edited) meta.append(t("msg.edited"), " ");
  if (onReply) {
    const reply = document.createElement("button");
    reply.type = "button";
    reply.className = "reply-button";
    reply.textContent = t("msg.reply");
    reply.addEventListener("click", () => onReply(view));
    meta.append(reply);
  }
  bubble.append(meta);
  item.append(bubble);
  if (view.buttons) item.append(buttonRows(view, onPress));
  return item;
}

function buttonRows(view, onPress) {
  const rows = document.createElement("div");
  rows.className = "inline-keyboard";
  for (const row of view.buttons) {
    const line = document.createElement("div");
    for (const button of row) {
      if (button.url) {
        const link = document.createElement("a");
        link.className = "inline-button";
        link.textContent = `${button.text} ↗`;
        if (/^https?:/i.test(button.url)) { link.href = button.url; link.target = "_blank"; link.rel = "noopener noreferrer"; }
        line.append(link);
        continue;
      }
      const node = document.createElement("button");
      node.type = "button";
      node.className = "inline-button";
      node.textContent = button.text;
      node.addEventListener("click", () => onPress(view, button));
      line.append(node);
    }
    rows.append(line);
  }
  return rows;
}

// Keyed rendering: only changed messages are rebuilt, and the list stays scrolled to the end.
function renderList(list, views, build) {
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const existing = new Map([...list.children].map((node) => [node.dataset.key, node]));
  const wanted = new Set();
  let previous = null;
  for (const view of views) {
    const key = `${view.chat_id}:${view.message_id}:${view.rev}`;
    wanted.add(key);
    let node = existing.get(key);
    if (!node) {
      node = build(view);
      node.dataset.key = key;
    }
    const next = previous ? previous.nextSibling : list.firstChild;
    if (node !== next) list.insertBefore(node, next);
    previous = node;
  }
  for (const [key, node] of existing) if (!wanted.has(key)) node.remove();
  if (atEnd) list.scrollTop = list.scrollHeight;
}

// -- the customer's phone ------------------------------------------------------------------
function currentCustomer() {
  return S.state?.customers.find((c) => c.id === S.customerId) ?? null;
}

function renderCustomer() {
  const select = $("customer-select");
  const customers = S.state?.customers ?? [];
  const options = customers.map((c) => `${c.id}|${c.name}|${c.language_code}`).join(",");
  if (select.dataset.options !== options) {
    select.replaceChildren(...customers.map((c) => new Option(`${c.name} (${c.language_code})`, c.id)));
    select.dataset.options = options;
  }
  const customer = currentCustomer();
  if (customer) {
    select.value = String(customer.id);
    $("customer-language").value = customer.language_code;
  }
  const views = customer ? chatMessages(customer.id) : [];
  renderList($("customer-messages"), views,
    (view) => messageNode(view, view.from.is_bot ? "in" : "out", pressAsCustomer, null));
  $("customer-empty").hidden = views.length > 0;
  renderKeyboard(views);
}

function activeKeyboard(views) {
  let active = null;
  for (const view of views) {
    if (!view.from.is_bot) {
      if (active?.keyboard.one_time) active = null;
      continue;
    }
    if (view.keyboard?.keyboard) active = view;
    else if (view.keyboard?.remove) active = null;
  }
  return active;
}

function renderKeyboard(views) {
  const holder = $("customer-keyboard");
  const active = activeKeyboard(views);
  holder.hidden = !active;
  const key = active ? `${active.message_id}:${active.rev}` : "";
  if (holder.dataset.key === key) return;
  holder.dataset.key = key;
  holder.replaceChildren();
  if (!active) return;
  for (const row of active.keyboard.keyboard) {
    const line = document.createElement("div");
    for (const button of row) {
      const node = document.createElement("button");
      node.type = "button";
      node.textContent = button.text;
      node.addEventListener("click", () => (button.request_contact ? shareContact() : sendCustomerText(button.text)));
      line.append(node);
    }
    holder.append(line);
  }
}

function pressAsCustomer(view, button) {
  act(S.customerId, "press_button", { message_id: view.message_id, callback_data: button.callback_data });
}

function sendCustomerText(text) {
  return act(S.customerId, text.startsWith("/") ? "send_command" : "send_text", text.startsWith("/") ? { command: text } : { text });
}

function shareContact() {
  const customer = currentCustomer();
  act(S.customerId, "send_contact", { phone_number: customer.phone });
}

// -- the staff group -----------------------------------------------------------------------
function group() {
  return S.state ? S.chats.get(S.state.group_id) : null;
}

function threadOf(view) {
  return view.thread_id ?? 0;
}

function renderStaff() {
  const chat = group();
  $("group-title").textContent = S.state?.group_title ?? "";
  const views = S.state ? chatMessages(S.state.group_id) : [];
  const topics = [{ thread_id: 0, name: t("staff.general"), icon_color: 0x8e8e93 }, ...(chat?.topics ?? [])];
  const last = new Map();
  for (const view of views) last.set(threadOf(view), view);
  // General first, then the topics with the newest message first, as Telegram lists them.
  topics.sort((a, b) => (b.thread_id === 0) - (a.thread_id === 0) || (last.get(b.thread_id)?.message_id ?? 0) - (last.get(a.thread_id)?.message_id ?? 0));
  const list = $("topic-list");
  list.replaceChildren(...topics.map((topic) => topicItem(topic, last.get(topic.thread_id))));
  const open = topics.find((topic) => topic.thread_id === S.topic);
  $("forum").classList.toggle("thread-open", Boolean(open));
  $("thread-name").textContent = open ? open.name : t("staff.pick_topic");
  const inThread = open ? views.filter((view) => threadOf(view) === S.topic) : [];
  renderList($("staff-messages"), inThread, (view) => messageNode(view, "group", pressAsStaff, startReply));
  autoReply(inThread);
  renderReplying();
  $("staff-composer").classList.toggle("disabled", !open);
  const botInGroup = views.filter((view) => view.from.is_bot).length;
  if (document.body.dataset.tab === "staff") S.seenStaff = botInGroup;
  const badge = $("staff-badge");
  badge.hidden = botInGroup <= S.seenStaff;
  badge.textContent = String(botInGroup - S.seenStaff);
}

function topicItem(topic, lastView) {
  const item = document.createElement("li");
  item.className = "topic" + (topic.thread_id === S.topic ? " active" : "") + (topic.closed ? " closed" : "");
  item.dataset.threadId = topic.thread_id;
  const dot = document.createElement("span");
  dot.className = "topic-icon";
  dot.style.background = `#${topic.icon_color.toString(16).padStart(6, "0")}`;
  const text = document.createElement("div");
  const name = document.createElement("strong");
  name.textContent = topic.name;
  item.title = topic.name;
  const preview = document.createElement("small");
  preview.textContent = lastView ? previewText(lastView) : "";
  text.append(name, preview);
  item.append(dot, text);
  item.addEventListener("click", () => openTopic(topic.thread_id));
  return item;
}

function previewText(view) {
  if (view.service) return serviceText(view.service);
  const who = view.from.is_bot ? "" : `${view.from.name}: `;
  return who + (view.html ? plainText(view.html) : view.media ? t(`media.${view.media.kind}`) : "");
}

function openTopic(threadId) {
  S.topic = threadId;
  S.replyTo = null;
  $("staff-messages").replaceChildren();
  renderStaff();
  $("staff-messages").scrollTop = $("staff-messages").scrollHeight;
}

// The bot asks staff for a reason or an answer with a force-reply prompt; Telegram then opens
// the reply for them, and so does the page, once per prompt.
function autoReply(views) {
  const prompt = views.findLast((view) => view.from.is_bot && view.keyboard?.force_reply);
  if (!prompt || S.autoReplied.has(prompt.message_id)) return;
  S.autoReplied.add(prompt.message_id);
  // A prompt someone has already answered needs nothing more.
  if (views.some((view) => view.reply_to?.message_id === prompt.message_id)) return;
  S.replyTo = prompt;
  $("staff-text").focus({ preventScroll: true });
}

function startReply(view) {
  S.replyTo = view;
  renderReplying();
  $("staff-text").focus();
}

function renderReplying() {
  const bar = $("replying");
  bar.hidden = !S.replyTo;
  if (S.replyTo) $("replying-text").textContent = S.replyTo.html ? plainText(S.replyTo.html).slice(0, 80) : "…";
  const placeholder = S.replyTo?.keyboard?.placeholder;
  $("staff-text").placeholder = placeholder || t("composer.staff_placeholder");
}

function staffId() {
  return S.state.staff.find((s) => s.role === S.role).id;
}

function pressAsStaff(view, button) {
  act(staffId(), "press_button", { message_id: view.message_id, callback_data: button.callback_data, chat_id: S.state.group_id });
}

function where() {
  const body = { chat_id: S.state.group_id };
  if (S.topic) body.message_thread_id = S.topic;
  if (S.replyTo) body.reply_to_message_id = S.replyTo.message_id;
  return body;
}

// The reply bar closes after sending, unless the bot's next prompt opened a new one meanwhile.
function replySent(replied) {
  if (S.replyTo === replied) S.replyTo = null;
  renderReplying();
}

async function sendStaffText(text) {
  const replied = S.replyTo;
  const body = { group_id: S.state.group_id, text };
  if (S.topic) body.message_thread_id = S.topic;
  if (replied) body.reply_to_message_id = replied.message_id;
  await act(staffId(), "send_text_in", body);
  replySent(replied);
}

function renderRoles() {
  const select = $("staff-role");
  const staff = S.state?.staff ?? [];
  select.replaceChildren(...staff.map((s) => new Option(`${t(`role.${s.role}`)} · ${s.name}`, s.role)));
  select.value = S.role;
}

// -- files ---------------------------------------------------------------------------------
function base64(buffer) {
  let binary = "";
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function sendFile(side, name, type, buffer) {
  const caption = side === "customer" ? $("customer-text").value.trim() : $("staff-text").value.trim();
  const body = { data_base64: base64(buffer) };
  if (caption) body.caption = caption;
  const photo = type.startsWith("image/");
  if (!photo) Object.assign(body, { file_name: name, mime_type: type || "application/octet-stream" });
  if (side === "customer") {
    await act(S.customerId, photo ? "send_photo" : "send_document", body);
    $("customer-text").value = "";
  } else {
    const replied = S.replyTo;
    await act(staffId(), photo ? "send_photo" : "send_document", { ...body, ...where() });
    $("staff-text").value = "";
    replySent(replied);
  }
}

function placeMenu(menu, anchor) {
  const box = anchor.getBoundingClientRect();
  menu.hidden = false;
  menu.style.left = `${Math.max(8, Math.min(box.left, window.innerWidth - menu.offsetWidth - 8))}px`;
  menu.style.top = `${Math.max(8, box.top - menu.offsetHeight - 6)}px`;
}

function openAttachMenu(side, anchor) {
  S.attachFor = side;
  placeMenu($("attach-menu"), anchor);
}

// The command menu Telegram shows this person here: the most specific scope the bot set, in
// their language if it set one for it (setMyCommands).
function commandsFor(menus, chatId, inGroup, languageCode) {
  const language = (languageCode || "").split("-")[0] || null;
  const scopes = [{ type: "chat", chat_id: chatId }, { type: inGroup ? "all_group_chats" : "all_private_chats" },
    { type: "default" }];
  for (const scope of scopes) {
    const here = menus.filter((m) => m.scope.type === scope.type && (scope.chat_id === undefined || m.scope.chat_id === scope.chat_id));
    const chosen = here.find((m) => m.language_code === language) || here.find((m) => !m.language_code);
    if (chosen && chosen.commands.length) return chosen.commands;
  }
  return [];
}

async function openCommands(side, anchor) {
  const menus = await call("/control/my_commands");
  const staff = side === "staff";
  const person = staff ? S.state.staff.find((s) => s.role === S.role) : currentCustomer();
  if (!person) return;
  const commands = commandsFor(menus, staff ? S.state.group_id : person.id, staff, person.language_code);
  const menu = $("commands-menu");
  menu.replaceChildren(...(commands.length ? commands : [{ command: "", description: t("composer.no_commands") }]).map(({ command, description }) => {
    const item = document.createElement("button");
    item.type = "button";
    item.disabled = !command;
    const name = document.createElement("strong");
    name.textContent = command ? `/${command}` : "";
    item.append(name, ` ${description}`);
    item.addEventListener("click", () => {
      menu.hidden = true;
      if (staff) sendStaffText(`/${command}`);
      else sendCustomerText(`/${command}`);
    });
    return item;
  }));
  placeMenu(menu, anchor);
}

async function attach(kind) {
  $("attach-menu").hidden = true;
  const side = S.attachFor;
  if (kind === "file") {
    $("file-input").click();
  } else if (kind === "photo") {
    const buffer = await (await fetch("/static/sample-photo.png")).arrayBuffer();
    await sendFile(side, "photo.png", "image/png", buffer);
  } else {
    const receipt = new TextEncoder().encode(t("attach.receipt_text")).buffer;
    await sendFile(side, t("attach.receipt_name"), "text/plain", receipt);
  }
}

// -- the page ------------------------------------------------------------------------------
function renderClock() {
  const clock = S.state?.clock;
  if (!clock) return;
  const now = new Date(Date.now() + clock.offset * 1000);
  const format = new Intl.DateTimeFormat({ zh_Hans: "zh-CN", zh_Hant: "zh-TW", en: "en-GB" }[locale()], {
    weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: clock.timezone,
  });
  $("clock-now").textContent = format.format(now);
  $("clock-now").title = t("clock.zone", { zone: clock.timezone, region: clock.region });
}

function renderAll() {
  if (!S.state) return;
  document.body.dataset.generation = S.state.generation;
  renderCustomer();
  renderStaff();
  renderRoles();
  renderClock();
  $("group-locale").value = S.state.group_locale;
}

function showTab(tab) {
  document.body.dataset.tab = tab;
  for (const button of document.querySelectorAll("[data-tab-button]")) {
    button.setAttribute("aria-selected", String(button.dataset.tabButton === tab));
  }
  renderAll();
}

async function moveClock(body) {
  try {
    S.state = await call("/api/clock", body);
    renderClock();
  } catch (error) {
    toast(t("error.action", { error: error.message }));
  }
}

async function reset(groupLocale) {
  if (!window.confirm(t("reset.confirm"))) {
    $("group-locale").value = S.state.group_locale;
    return;
  }
  $("starting").hidden = false;
  try {
    await call("/api/reset", groupLocale ? { group_locale: groupLocale } : {});
  } catch (error) {
    toast(t("error.action", { error: error.message }));
  }
  await loadState();
}

function wire() {
  // The field empties at once, as in Telegram, and gets the text back if sending failed.
  const composer = (form, input, ready, send) => form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || !ready()) return;
    input.value = "";
    try {
      await send(text);
    } catch {
      if (!input.value) input.value = text;
    }
  });
  composer($("customer-composer"), $("customer-text"), () => Boolean(S.customerId), sendCustomerText);
  composer($("staff-composer"), $("staff-text"), () => Boolean(S.state) && S.topic !== null, sendStaffText);
  $("customer-select").addEventListener("change", (event) => {
    S.customerId = Number(event.target.value);
    $("customer-messages").replaceChildren();
    renderAll();
  });
  $("customer-language").addEventListener("change", async (event) => {
    if (!S.customerId) return;
    await act(S.customerId, "set_language_code", { language_code: event.target.value });
    await loadState();
  });
  $("new-customer").addEventListener("click", async () => {
    const created = await call("/api/customers", { language_code: $("customer-language").value });
    S.customerId = created.id;
    S.state = created.state;
    $("customer-messages").replaceChildren();
    renderAll();
    $("customer-text").focus();
  });
  $("staff-role").addEventListener("change", (event) => { S.role = event.target.value; });
  $("replying-cancel").addEventListener("click", () => { S.replyTo = null; renderReplying(); });
  $("thread-back").addEventListener("click", () => { S.topic = null; renderStaff(); });
  $("customer-attach").addEventListener("click", (event) => openAttachMenu("customer", event.currentTarget));
  $("customer-commands").addEventListener("click", (event) => openCommands("customer", event.currentTarget));
  $("staff-commands").addEventListener("click", (event) => openCommands("staff", event.currentTarget));
  $("staff-attach").addEventListener("click", (event) => openAttachMenu("staff", event.currentTarget));
  for (const button of document.querySelectorAll("[data-attach]")) {
    button.addEventListener("click", () => attach(button.dataset.attach));
  }
  document.addEventListener("click", (event) => {
    if (!event.target.closest("#attach-menu, .attach")) $("attach-menu").hidden = true;
    if (!event.target.closest("#commands-menu, .commands-button")) $("commands-menu").hidden = true;
  });
  $("file-input").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    if (file) await sendFile(S.attachFor, file.name, file.type, await file.arrayBuffer());
  });
  $("clock-hour").addEventListener("click", () => moveClock({ hours: 1 }));
  $("clock-day").addEventListener("click", () => moveClock({ working_days: 1 }));
  $("clock-week").addEventListener("click", () => moveClock({ hours: 24 * 7 }));
  $("reset").addEventListener("click", () => reset(null));
  $("group-locale").addEventListener("change", (event) => reset(event.target.value));
  $("page-locale").addEventListener("change", async (event) => {
    await setLocale(event.target.value);
    for (const list of [$("customer-messages"), $("staff-messages")]) list.replaceChildren();
    renderAll();
  });
  for (const button of document.querySelectorAll("[data-tab-button]")) {
    button.addEventListener("click", () => showTab(button.dataset.tabButton));
  }
  setInterval(renderClock, 15000);
}

async function main() {
  const pageLocale = chosenLocale();
  $("page-locale").value = pageLocale;
  await setLocale(pageLocale);
  wire();
  initTour({ showTab });
  showTab("customer");
  await loadState();
  connect();
  document.body.dataset.ready = "true";
}

main();
