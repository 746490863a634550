import { createRouter, createWebHistory, type RouteLocationNormalized } from "vue-router";
import { session } from "./auth/session";
import { rotateNotices } from "./state/notices";
import { firstBlockedBefore, stepStatuses, wizard, type StepId } from "./state/wizard";

export const STEPS: Array<{ id: StepId; path: string; label: string }> = [
  { id: "files", path: "/wizard/files", label: "Select files" },
  { id: "destinations", path: "/wizard/destinations", label: "Select destinations" },
  { id: "dataset", path: "/wizard/dataset", label: "Define dataset" },
  { id: "columns", path: "/wizard/columns", label: "Define columns" },
  { id: "confirm", path: "/wizard/confirm", label: "Confirm and upload" },
  { id: "monitor", path: "/monitor", label: "Monitor uploads" },
];

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", redirect: "/monitor" },
    { path: "/signin", name: "signin", component: () => import("./views/SignInView.vue"), meta: { public: true, title: "Sign in" } },
    { path: "/redirect", name: "redirect", component: () => import("./views/OAuthRedirectView.vue"), meta: { title: "Connecting to Amazon Ads" } },
    { path: "/settings", name: "settings", component: () => import("./views/SettingsView.vue"), meta: { title: "Settings" } },
    { path: "/wizard/files", component: () => import("./views/wizard/FilesStep.vue"), meta: { step: "files", title: "Step 1: Select files" } },
    { path: "/wizard/destinations", component: () => import("./views/wizard/DestinationsStep.vue"), meta: { step: "destinations", title: "Step 2: Select destinations" } },
    { path: "/wizard/dataset", component: () => import("./views/wizard/DatasetStep.vue"), meta: { step: "dataset", title: "Step 3: Define dataset" } },
    { path: "/wizard/columns", component: () => import("./views/wizard/ColumnsStep.vue"), meta: { step: "columns", title: "Step 4: Define columns" } },
    { path: "/wizard/confirm", component: () => import("./views/wizard/ConfirmStep.vue"), meta: { step: "confirm", title: "Step 5: Confirm and upload" } },
    { path: "/monitor", component: () => import("./views/MonitorView.vue"), meta: { step: "monitor", title: "Step 6: Monitor uploads" } },
    { path: "/datasets", component: () => import("./views/DatasetsView.vue"), meta: { title: "Datasets" } },
    { path: "/automation", component: () => import("./views/TriggersView.vue"), meta: { title: "Automation" } },
    { path: "/erasure", component: () => import("./views/ErasureView.vue"), meta: { title: "Erasure" } },
    { path: "/:rest(.*)*", component: () => import("./views/NotFoundView.vue"), meta: { public: true, title: "Not found" } },
  ],
});

/** Where a wizard step may not be opened yet: the first incomplete step before it. */
export function wizardRedirect(to: RouteLocationNormalized): string | null {
  const step = to.meta.step as StepId | undefined;
  if (!step || step === "monitor") return null;
  const blocked = firstBlockedBefore(stepStatuses(wizard), step);
  return blocked ? (STEPS.find((s) => s.id === blocked.id)?.path ?? null) : null;
}

router.beforeEach((to) => {
  if (!to.meta.public && !session.signedIn) return { path: "/signin", query: { next: to.fullPath } };
  if (to.path === "/signin" && session.signedIn) return { path: "/monitor" };
  const redirect = wizardRedirect(to);
  if (redirect && redirect !== to.path) return { path: redirect };
  return true;
});

router.afterEach((to) => {
  rotateNotices();
  document.title = `${String(to.meta.title ?? "AMC Uploader")} · AMC Uploader`;
});
