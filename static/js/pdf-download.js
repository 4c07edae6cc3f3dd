/* The bilan's PDF takes a few seconds to lay out: say at once that it is coming, then that it is
   ready (or that it failed), in the live region the link names (data-pdf-status). The file is
   fetched, then saved under the name the server gives. Without JavaScript the link downloads it
   as any link does. No inline script nor style: the Content Security Policy allows neither. */
(function () {
  "use strict";

  function show(region, kind, title, text) {
    var alert = document.createElement("div");
    alert.className = "fr-alert fr-alert--sm fr-alert--" + kind + " fr-mb-2w";
    var line = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = title;
    line.appendChild(strong);
    line.appendChild(document.createTextNode(" " + text));
    alert.appendChild(line);
    region.replaceChildren(alert);
  }

  function fileName(response) {
    var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "bilan.pdf";
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  document.querySelectorAll("a[data-pdf-status]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var region = document.getElementById(link.dataset.pdfStatus);
      if (!region || !window.fetch || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") {
        return;  // already on its way: a second click does not start a second one
      }
      link.setAttribute("aria-busy", "true");
      show(region, "info", "Préparation du PDF…", "La mise en page du bilan prend quelques secondes ; le téléchargement commencera de lui-même.");
      fetch(link.href, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          var name = fileName(response);
          return response.blob().then(function (blob) { return { blob: blob, name: name }; });
        })
        .then(function (file) {
          save(file.blob, file.name);
          show(region, "success", "PDF prêt.", "Le téléchargement de «\u00a0" + file.name + "\u00a0» a commencé.");
        })
        .catch(function () {
          show(region, "error", "Le PDF n'a pas pu être préparé.", "Réessayez dans un instant ; si cela se reproduit, prévenez l'administration de la plateforme.");
        })
        .finally(function () { link.removeAttribute("aria-busy"); });
    });
  });
})();
