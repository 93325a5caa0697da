import Reports

/// The dashboard's only static files, served from memory (no CDN, no fonts: the page works offline).
enum Assets {
    /// The report's style sheet (same charts, same look) plus the dashboard's own rules.
    static let css = HTMLReport.styleSheet + """

        nav { font-size: 13px; color: #555; margin-bottom: 8px; } nav a { color: #1f5fa8; }
        .live { padding: 0 6px; border-radius: 3px; background: #eee; }
        body[data-live="open"] .live { background: #d7f0d2; }
        .bar { display: flex; height: 18px; border: 1px solid #ccc; margin: 6px 0; max-width: 900px; }
        .bar span { display: block; height: 100%; }
        .s-done { background: #4c9a2a; } .s-running { background: #3b7dd8; } .s-pending { background: #ddd; }
        .s-failed { background: #c0392b; } .s-diverged { background: #e67e22; } .s-pruned { background: #8e6bbf; }
        .s-cancelled { background: #7f8c8d; }
        .key span { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 10px; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
        form.filters label { font-size: 12px; display: flex; flex-direction: column; }
        table.trials td, table.trials th { padding: 2px 8px; font-size: 13px; }
        tr.selected td { background: #fff6d5; }
        pre.log { background: #f7f7f7; border: 1px solid #e5e5e5; padding: 6px; max-height: 360px; overflow: auto;
                  font-size: 12px; white-space: pre-wrap; }
        .pager a, .pager span { margin-right: 10px; }
        """

    /// Live updates: an EventSource on the sweep's `/events`; each `store` or `status` event re-fetches the
    /// sections that listen to it (`data-on`) from their `data-src` and swaps their HTML. Fetches of one
    /// section never overlap, and `data-min-interval` spaces out heavy ones (the ranking).
    static let javascript = """
        "use strict";
        (function () {
          const main = document.querySelector("main[data-events]");
          if (!main) return;
          const live = document.getElementById("live");
          const sections = Array.from(document.querySelectorAll("[data-src]"));
          const busy = new Set(), again = new Set(), last = new Map(), timers = new Map();
          async function refresh(el) {
            if (busy.has(el)) { again.add(el); return; }
            const wait = (last.get(el) || 0) + Number(el.dataset.minInterval || 0) - Date.now();
            if (wait > 0) {
              if (!timers.has(el)) timers.set(el, setTimeout(() => { timers.delete(el); refresh(el); }, wait));
              return;
            }
            busy.add(el);
            last.set(el, Date.now());
            try {
              const r = await fetch(el.dataset.src, { credentials: "same-origin", cache: "no-store" });
              if (r.ok) {
                el.innerHTML = await r.text();
                el.dataset.version = String(Number(el.dataset.version || 0) + 1);
              }
            } catch (e) { /* the next event retries */ }
            busy.delete(el);
            if (again.delete(el)) refresh(el);
          }
          function on(kind) {
            for (const el of sections) if ((el.dataset.on || "").split(" ").includes(kind)) refresh(el);
          }
          let opened = false;
          const events = new EventSource(main.dataset.events);
          events.addEventListener("store", () => on("store"));
          events.addEventListener("status", () => on("status"));
          events.onopen = () => {
            document.body.dataset.live = "open";
            if (live) live.textContent = "live";
            // After a reconnect, catch up with what was missed.
            if (opened) { on("store"); on("status"); }
            opened = true;
          };
          events.onerror = () => {
            document.body.dataset.live = "reconnecting";
            if (live) live.textContent = "reconnecting…";
          };
          for (const el of sections) if (el.dataset.load === "now") refresh(el);
        })();
        """
}
