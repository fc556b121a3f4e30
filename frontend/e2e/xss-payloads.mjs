// Script-injection attempts for the warnings' title, summary and body. Each
// one, if it ever ran, would set window.__xss (or top/parent.__xss from a
// frame) or open an alert — the test watches for both. They cover raw HTML
// in Markdown, Markdown links and images with script URLs, frames, event
// handlers, SVG and MathML, entity-encoded, mixed-case and broken-up
// variants, and Vue template syntax.
export const XSS_PAYLOADS = [
  // Script elements
  '<script>window.__xss=1</script>',
  '<SCRIPT SRC=data:text/javascript,window.__xss=1></SCRIPT>',
  '<scr<script>ipt>window.__xss=1</scr</script>ipt>',
  '"><script>window.__xss=1</script>',
  "'><script>alert(1)</script>",
  '<svg><script>window.__xss=1</script></svg>',
  // Event handlers
  '<img src=x onerror="window.__xss=1">',
  '<IMG SRC=x OnErRoR=window.__xss=1>',
  '<img src="x" onerror="alert(1)"/>',
  '<svg onload=window.__xss=1>',
  '<svg/onload=alert(1)>',
  '<body onload=window.__xss=1>',
  '<details open ontoggle=window.__xss=1>',
  '<input autofocus onfocus=window.__xss=1>',
  '<video><source onerror="window.__xss=1"></video>',
  '<div onmouseover="window.__xss=1" style="position:fixed;inset:0">hover</div>',
  '<a href="#" onclick="window.__xss=1">click</a>',
  // Frames, objects and other containers
  '<iframe src="javascript:parent.__xss=1"></iframe>',
  '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
  '<iframe src=data:text/html,<script>top.__xss=1</script>></iframe>',
  '<object data="javascript:window.__xss=1"></object>',
  '<embed src="javascript:window.__xss=1">',
  '<form action="javascript:window.__xss=1"><button>提交</button></form>',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
  '<base href="javascript:window.__xss=1//">',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>',
  '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">',
  '<style>@import "javascript:window.__xss=1";</style>',
  '<div style="background:url(javascript:window.__xss=1)">bg</div>',
  // javascript: and data: links in HTML
  '<a href="javascript:window.__xss=1">html link</a>',
  '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
  '<a href="&#x6A;avascript:window.__xss=1">entity scheme</a>',
  '<a href="jav&#x09;ascript:window.__xss=1">tab in scheme</a>',
  '<a href=" javascript:window.__xss=1">leading space</a>',
  '<svg><a xlink:href="javascript:window.__xss=1"><text y="20">svg link</text></a></svg>',
  // javascript: and data: links in Markdown
  '[markdown link](javascript:window.__xss=1)',
  '[mixed case](JAVASCRIPT:alert(1))',
  '[entity](javascript&#58;window.__xss=1)',
  '[encoded](javascript%3Awindow.__xss=1)',
  '[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9MTwvc2NyaXB0Pg==)',
  '![image](javascript:window.__xss=1)',
  '![x" onerror="window.__xss=1](https://example.invalid/x.png)',
  '<javascript:window.__xss=1>',
  '[reference][r]\n\n[r]: javascript:window.__xss=1',
  // Entity-encoded markup (becomes text; must stay text)
  '&lt;img src=x onerror=window.__xss=1&gt;',
  '&#60;script&#62;window.__xss=1&#60;/script&#62;',
  '&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;',
  // Template syntax: must never be compiled by the app
  "{{constructor.constructor('window.__xss=1')()}}",
  '<div v-html="\'<img src=x onerror=window.__xss=1>\'"></div>',
]
