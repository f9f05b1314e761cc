// The only script of the web interface: copy buttons. Pages work without it (the text to copy is shown and
// selectable); with it, each [data-copy] button appears and copies its text. Served at /static/copy.<hash>.js.
export const COPY_JS = String.raw`(function () {
  'use strict';
  var buttons = document.querySelectorAll('button[data-copy]');
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = button.getAttribute('data-copy') || '';
      var done = function (message) {
        var label = button.getAttribute('data-label') || button.textContent;
        button.setAttribute('data-label', label);
        button.textContent = message;
        var status = document.getElementById('copy-status');
        if (status) status.textContent = message;
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done('Copied'); }, function () { done('Press Ctrl+C'); });
      } else {
        done('Press Ctrl+C');
      }
    });
  });
})();
`;
