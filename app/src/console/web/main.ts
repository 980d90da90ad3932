/**
 * The console in the browser: Preact components written with htm (tagged templates, no JSX build
 * step), routed by the URL so every view, with its filters, can be bookmarked and shared.
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, currentSession, get, post, setSession, type SessionInfo } from "./api";
import { DecisionView } from "./decision-view";
import { LoginView } from "./login-view";
import { OverviewView } from "./overview-view";
import { QueueView } from "./queue-view";
import { ErrorBox, html, Loading, navigate } from "./ui";
import "./styles.css";

function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    window.addEventListener("popstate", bump);
    window.addEventListener("console:navigate", bump);
    return () => {
      window.removeEventListener("popstate", bump);
      window.removeEventListener("console:navigate", bump);
    };
  }, []);
  return window.location;
}

function App() {
  const loc = useLocation();
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState<unknown>();
  const path = loc.pathname.replace(/\/+$/, "");
  const search = new URLSearchParams(loc.search);
  const here = loc.pathname + loc.search;

  useEffect(() => {
    get<SessionInfo>("/session").then(
      (s) => {
        setSession(s);
        setChecked(true);
      },
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) setSession(undefined);
        else setError(err);
        setChecked(true);
      },
    );
    const signOut = () => {
      post("/logout").finally(() => {
        setSession(undefined);
        navigate("/console/login", true);
      });
    };
    window.addEventListener("console:signout", signOut);
    return () => window.removeEventListener("console:signout", signOut);
  }, []);
  // a call refused 401 (the session expired) sends the analyst to sign in, then back here
  useEffect(() => {
    const expired = () => {
      setSession(undefined);
      navigate(`/console/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`, true);
    };
    window.addEventListener("console:unauthorized", expired);
    return () => window.removeEventListener("console:unauthorized", expired);
  }, []);

  if (error) return html`<main><${ErrorBox} error=${error} retry=${() => location.reload()} /></main>`;
  if (!checked) return html`<main><${Loading} /></main>`;
  if (path === "/console/login" || !currentSession()) {
    const next = path === "/console/login" ? (search.get("next") ?? "/console/queue") : here;
    if (path !== "/console/login") history.replaceState(null, "", `/console/login?next=${encodeURIComponent(next)}`);
    return html`<${LoginView} next=${next} />`;
  }
  const decision = /^\/console\/decisions\/([^/]+)$/.exec(path);
  if (decision) return html`<${DecisionView} key=${decision[1]} id=${decodeURIComponent(decision[1])} search=${search} />`;
  if (path === "/console/overview") return html`<${OverviewView} search=${search} />`;
  return html`<${QueueView} search=${search} />`;
}

render(html`<${App} />`, document.getElementById("app") as HTMLElement);
