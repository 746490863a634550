// Connect to Amazon Ads: the Login with Amazon consent round trip. The backend creates and checks the
// OAuth `state`; we keep the page and the wizard under that state and restore both on return.
import { api, call } from "../api/client";
import { rememberReturn, wizard } from "../state/wizard";

export function amazonRedirectUri(): string {
  return `${window.location.origin}/redirect`;
}

export async function connectAmazonAds(returnTo: string): Promise<void> {
  const consent = await call(api.POST("/api/settings/oauth/consent-url", { body: { redirectUri: amazonRedirectUri() } }));
  rememberReturn(localStorage, consent.state, returnTo, wizard);
  window.location.assign(consent.url);
}
