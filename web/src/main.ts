import { createApp } from "vue";
import App from "./App.vue";
import BootError from "./views/BootError.vue";
import { initApi } from "./api/client";
import { completeCognitoSignIn, configureSession } from "./auth/login";
import { loadRuntimeConfig } from "./config";
import { router } from "./router";
import "./style.css";

async function boot(): Promise<void> {
  const config = await loadRuntimeConfig();
  initApi(config.apiBaseUrl);
  configureSession(config);
  const url = new URL(window.location.href);
  const returnTo = await completeCognitoSignIn(config, url);
  // The router read the address (with ?code=&state=) when it was created: navigate explicitly, which
  // also drops the code from the address bar and history.
  if (returnTo) await router.replace(returnTo);
  createApp(App).use(router).mount("#app");
}

boot().catch((error: unknown) => {
  createApp(BootError, { message: error instanceof Error ? error.message : String(error) }).mount("#app");
});
