namespace Scaler.FrontDoors.Page;

/// <summary>
/// The page's stylesheet and script, served from the Scaler itself (no CDN, no font): the page reads the same
/// without the script, which only refreshes the content in place and searches as one types.
/// </summary>
internal static class PageAssets
{
    public const string StylesheetPath = "/page.css";
    public const string ScriptPath = "/page.js";

    /// <summary>Only the page's own stylesheet and script run; nothing inline, nothing from elsewhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public const string Stylesheet = """
        :root{color-scheme:light;--ink:#1a1a1a;--muted:#595959;--line:#d0d0d0;--band:#f4f4f4}
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:0;line-height:1.4}
        header{display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:baseline;padding:.6em 1.5em;border-bottom:1px solid var(--line);background:var(--band)}
        header .brand{font-weight:700;text-decoration:none;color:var(--ink)}
        header .muted,.muted{color:var(--muted)}
        main{padding:0 1.5em 2em}
        h1{font-size:1.4em;margin:.8em 0 .3em}h2{font-size:1.15em;margin:1.4em 0 .3em}h3{font-size:1em;margin:1.2em 0 .3em}
        form.search{padding:.6em 1.5em 0}
        form.search input[type=search]{width:22em;max-width:70vw;padding:.3em}
        table{border-collapse:collapse;margin:.4em 0}
        td,th{border:1px solid var(--line);padding:.25em .5em;text-align:left;vertical-align:top}
        th a{color:inherit}
        td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.explanation,dd.explanation{max-width:48em;font-size:.9em;color:var(--muted)}
        .metric{font-size:.85em;color:var(--muted)}
        .state,.status{display:inline-block;padding:0 .45em;border-radius:.8em;border:1px solid;font-size:.85em;white-space:nowrap}
        .state-active,.status-fresh{background:#e6f4ee;border-color:#009e73}
        .state-inactive{background:#e8f1f8;border-color:#0072b2}
        .state-unknown,.state-cannot,.status-unknown{background:#eee;border-color:#555;font-weight:600}
        .state-cannot::before,.status-unknown::before{content:"? "}
        .state-fallback,.status-stale{background:#fdf0d8;border-color:#e69f00}
        .status-stale::before,.state-fallback::before{content:"! "}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.4em 0}
        dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
        ol.timeline{list-style:none;padding:0;margin:.4em 0}
        ol.timeline li{border-left:3px solid var(--line);padding:.2em .7em;margin:0 0 .4em}
        ol.timeline time{font-variant-numeric:tabular-nums;color:var(--muted);margin-right:.5em}
        figure.chart{margin:.4em 0}figure.chart svg{max-width:100%;height:auto}
        td.spark svg{display:block}
        nav.pages a,nav.pages span{margin-right:.6em}
        section.trigger{border-top:2px solid var(--line);margin-top:1.2em}
        """;

    public const string Script = """
        // Refreshes the page's content in place (no reload, no lost scroll or search), and searches as one types.
        (() => {
          "use strict";
          const content = document.getElementById("content");
          if (!content) return;
          const period = Math.max(1, Number(content.dataset.refresh || "5")) * 1000;
          let busy = false;
          let refreshes = 0;
          async function refresh() {
            if (busy || document.hidden) return;
            busy = true;
            try {
              const response = await fetch(location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
              if (!response.ok) return;
              const next = new DOMParser().parseFromString(await response.text(), "text/html");
              const fresh = next.getElementById("content");
              if (fresh) content.replaceChildren(...Array.from(fresh.childNodes));
              const stamp = next.getElementById("as-of");
              const here = document.getElementById("as-of");
              if (stamp && here) here.textContent = stamp.textContent;
              refreshes++;
              document.body.dataset.refreshes = String(refreshes);
            } catch (e) {
              // The Scaler is away: keep what is shown, try again next period.
            } finally {
              busy = false;
            }
          }
          setInterval(refresh, period);
          const search = document.querySelector("form.search input[type=search]");
          if (search) {
            let timer;
            search.addEventListener("input", () => {
              clearTimeout(timer);
              timer = setTimeout(() => {
                const url = new URL(location.href);
                if (search.value) url.searchParams.set("q", search.value); else url.searchParams.delete("q");
                url.searchParams.delete("page");
                history.replaceState(null, "", url);
                refresh();
              }, 250);
            });
          }
        })();
        """;
}
