// The guided tour: a case from filing to rating, one step at a time, pointing at the part of the
// page each step uses. Its texts are tour.<n>.title and tour.<n>.body in the catalogs.
import { t } from "./i18n.js";

// Each step names the element it points at and, at phone width, the tab that shows it.
export const STEPS = [
  { target: null, tab: "customer" },
  { target: "customer-composer", tab: "customer" },
  { target: "customer", tab: "customer" },
  { target: "topics", tab: "staff" },
  { target: "staff-composer", tab: "staff" },
  { target: "customer-language", tab: "customer" },
  { target: "staff", tab: "staff" },
  { target: "customer", tab: "customer" },
  { target: "clock", tab: "staff" },
  { target: "reset", tab: "customer" },
];

export function initTour({ showTab }) {
  let step = 0;
  const panel = document.getElementById("tour");
  const show = () => {
    for (const node of document.querySelectorAll(".tour-target")) node.classList.remove("tour-target");
    const { target, tab } = STEPS[step];
    if (window.matchMedia("(max-width: 760px)").matches) showTab(tab);
    const node = target ? document.querySelector(`[data-tour="${target}"]`) : null;
    node?.classList.add("tour-target");
    document.getElementById("tour-title").textContent = t(`tour.${step + 1}.title`);
    document.getElementById("tour-body").textContent = t(`tour.${step + 1}.body`);
    document.getElementById("tour-count").textContent = t("tour.count", { n: step + 1, total: STEPS.length });
    document.getElementById("tour-back").disabled = step === 0;
    document.getElementById("tour-next").hidden = step === STEPS.length - 1;
    panel.hidden = false;
    // The panel sits at the bottom unless it would cover what the step points at.
    panel.classList.remove("tour-top");
    if (node) {
      const box = node.getBoundingClientRect(), own = panel.getBoundingClientRect();
      if (box.bottom > own.top && box.top < own.bottom && box.left < own.right && box.right > own.left
          && box.height < window.innerHeight * 0.6) {
        panel.classList.add("tour-top");
      }
    }
  };
  const close = () => {
    panel.hidden = true;
    for (const node of document.querySelectorAll(".tour-target")) node.classList.remove("tour-target");
    localStorage.setItem("kesu-demo-toured", "1");
  };
  document.getElementById("tour-open").addEventListener("click", () => { step = 0; show(); });
  document.getElementById("tour-next").addEventListener("click", () => { step = Math.min(step + 1, STEPS.length - 1); show(); });
  document.getElementById("tour-back").addEventListener("click", () => { step = Math.max(step - 1, 0); show(); });
  document.getElementById("tour-close").addEventListener("click", close);
  // A first visit starts with the tour; the page's language switch re-reads the open step.
  document.addEventListener("kesu-locale", () => { if (!panel.hidden) show(); });
  if (!localStorage.getItem("kesu-demo-toured")) show();
}
