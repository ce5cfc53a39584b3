/* Gatehouse: small progressive enhancements. Every page works without this file.
 *
 * - <form data-confirm="Question?">  asks before submitting (e.g. revoking a token).
 * - <button data-copy-target="#id">  copies the text of #id to the clipboard.
 * - <select data-autosubmit>         submits its form on change (when htmx is not driving it).
 * - <button data-print>              prints the page (no onclick="": the CSP allows no inline
 *                                    script).
 * - an htmx request that gets no answer the page can show (a 5xx, a 4xx other than the 422 of a
 *   refused form, no network) leaves the page as it was, with what was typed, and says so at
 *   the top of the form that sent it — unless the form says so itself (data-says-own-problems:
 *   the charter editor's autosaving sections, static/js/charter_editor.js).
 * - a .table-wrap whose table is wider than the screen (it scrolls sideways) takes keyboard
 *   focus, so it can be scrolled without a mouse; it is named by its table's caption or its
 *   card's heading.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) return;
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target) return;
    var text = target.textContent.trim();
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      window.setTimeout(function () {
        button.textContent = label;
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var range = document.createRange();
      range.selectNodeContents(target);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try {
        document.execCommand("copy");
        done();
      } catch (e) {
        /* the text stays selected so the person can copy it by hand */
      }
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // htmx swaps a 422 (a refused form, with its errors: templates/base.html) and nothing else
  // that failed, so whatever the person typed is still in the form. Tell them it was not saved.
  var PROBLEM = "data-htmx-problem";

  function problemHost(detail) {
    var elt = detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    return form || detail.target || elt || null;
  }

  function clearProblem(host) {
    if (!host || !host.querySelectorAll) return;
    Array.prototype.forEach.call(host.querySelectorAll("[" + PROBLEM + "]"), function (note) {
      note.remove();
    });
  }

  function sayProblem(detail, text) {
    var host = problemHost(detail);
    if (!host || !host.isConnected) return;
    if (host.hasAttribute && host.hasAttribute("data-says-own-problems")) return;
    clearProblem(host);
    var note = document.createElement("p");
    note.className = "alert alert-error";
    note.setAttribute("role", "alert");
    note.setAttribute(PROBLEM, "");
    note.textContent = text;
    host.insertBefore(note, host.firstChild);
  }

  function isSave(detail) {
    var verb = detail.requestConfig && detail.requestConfig.verb;
    return verb && verb.toLowerCase() !== "get";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    clearProblem(problemHost(event.detail));
  });

  document.addEventListener("htmx:responseError", function (event) {
    var detail = event.detail;
    var status = detail.xhr ? detail.xhr.status : 0;
    var what = isSave(detail) ? "Could not save" : "Could not load this";
    if (status >= 500) {
      sayProblem(
        detail,
        what + ": something went wrong on our side. What you typed is still here; " +
          "please try again in a moment."
      );
    } else {
      sayProblem(
        detail,
        what + " (error " + status + "): the page may be out of date, or you may no longer " +
          "be allowed to do this. What you typed is still here; copy it before you reload."
      );
    }
  });

  function unreachable(event) {
    var what = isSave(event.detail) ? "Could not save" : "Could not load this";
    sayProblem(
      event.detail,
      what + ": Gatehouse could not be reached. What you typed is still here; " +
        "please try again in a moment."
    );
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);

  function scrollableTablesFocusable(root) {
    var wraps = (root.querySelectorAll ? root : document).querySelectorAll(".table-wrap");
    Array.prototype.forEach.call(wraps, function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!wrap.hasAttribute("tabindex")) wrap.setAttribute("tabindex", "0");
        if (!wrap.hasAttribute("role")) wrap.setAttribute("role", "region");
        if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
          var card = wrap.closest(".card");
          var name = wrap.querySelector("caption") || (card && card.querySelector("h2, h3"));
          wrap.setAttribute("aria-label", name ? name.textContent.trim() : "Table");
        }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    scrollableTablesFocusable(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    scrollableTablesFocusable(event.target.parentNode || document);
  });
  window.addEventListener("resize", function () {
    scrollableTablesFocusable(document);
  });
})();
