// Live reload for `build-site serve`: injected into served pages only, never into site/.
(() => {
  const me = document.currentScript;
  let build = Number(me.dataset.build);
  let source = null;

  function sitePath(pathname) {
    const path = decodeURIComponent(pathname).replace(/^\/+/, "");
    return path === "" || path.endsWith("/") ? path + "index.html" : path;
  }

  function overlay(error) {
    let box = document.getElementById("build-site-error");
    if (!error) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "build-site-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;" +
        "z-index:2147483647;background:#2b0d0f;color:#ffd7d7;border-top:4px solid #e5484d;" +
        "font:13px/1.5 ui-monospace,monospace;padding:12px 16px;white-space:pre-wrap;margin:0";
      document.body.appendChild(box);
    }
    box.textContent = "build-site: the last build failed; showing the last good page.\n\n" + error;
  }

  async function refreshPage() {
    const response = await fetch(location.href, {cache: "no-store"});
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html");
    const oldHead = [...document.head.querySelectorAll("link[rel=stylesheet],script[src]")]
      .map((e) => e.outerHTML).join();
    const newHead = [...fresh.head.querySelectorAll("link[rel=stylesheet],script[src]")]
      .map((e) => e.outerHTML).join();
    if (oldHead !== newHead || !document.querySelector("main") || !fresh.querySelector("main")) {
      sessionStorage.setItem("build-site-scroll", String(window.scrollY));
      location.reload();
      return;
    }
    document.title = fresh.title;
    const main = document.querySelector("main");
    main.replaceWith(fresh.querySelector("main"));
    const now = document.querySelector("main");
    if (window.MathJax && MathJax.typesetPromise) await MathJax.typesetPromise([now]);
    document.dispatchEvent(new CustomEvent("build-site:updated"));
  }

  function swapImages(changed) {
    const here = sitePath(location.pathname).replace(/[^/]*$/, "");
    for (const img of document.images) {
      const url = new URL(img.getAttribute("src"), location.href);
      if (url.origin !== location.origin) continue;
      const path = sitePath(url.pathname);
      if (changed.includes(path) || changed.includes(here + path)) {
        url.searchParams.set("build", String(build));
        img.src = url.pathname + url.search;
      }
    }
  }

  async function handle(message) {
    overlay(message.error);
    if (message.build === build) return;
    // Builds this page did not hear about (it loaded or reconnected since): refresh it.
    const missed = message.build !== build + 1;
    build = message.build;
    const changed = message.changed || [];
    const page = sitePath(location.pathname);
    if (changed.some((p) => p.endsWith(".css") || p.endsWith(".js"))) {
      sessionStorage.setItem("build-site-scroll", String(window.scrollY));
      location.reload();
    } else if (missed || changed.length === 0 || changed.includes(page) || message.everything) {
      await refreshPage();
      swapImages(changed);
    } else {
      swapImages(changed);
    }
  }

  function connect() {
    if (source) return;
    source = new EventSource("/__build-site/events");
    source.onmessage = (event) => handle(JSON.parse(event.data));
  }
  function disconnect() { if (source) { source.close(); source = null; } }

  // Hidden tabs let go of their connection, so many open tabs never starve the server.
  document.addEventListener("visibilitychange", () => (document.hidden ? disconnect() : connect()));
  const scroll = sessionStorage.getItem("build-site-scroll");
  if (scroll !== null) {
    sessionStorage.removeItem("build-site-scroll");
    window.scrollTo(0, Number(scroll));
  }
  if (!document.hidden) connect();
})();
