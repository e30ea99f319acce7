// The card checkout page: mounts Stripe's Payment Element with the PaymentIntent's client secret and confirms the
// payment with stripe.confirmPayment, which sends the debtor to the return page. Settings come from the form's
// data attributes (the CSP allows no inline script). Without JavaScript, or with Stripe.js blocked or failing to
// load its form, the "needs JavaScript" notice stays and the card form stays hidden.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  var notice = document.getElementById("card-unavailable");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  var settings = form.dataset;
  var stripe = window.Stripe(settings.publishableKey, { locale: settings.locale || "auto" });
  var elements = stripe.elements({ clientSecret: settings.clientSecret, locale: settings.locale || "auto" });
  var paymentElement = elements.create("payment");
  var button = document.getElementById("card-submit");
  var error = document.getElementById("card-error");

  // Shown before mounting: an element mounted in a hidden container may not size itself.
  form.hidden = false;
  notice.hidden = true;
  paymentElement.on("loaderror", function () {
    form.hidden = true;
    notice.hidden = false;
  });
  paymentElement.mount("#payment-element");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    error.textContent = "";
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: settings.returnUrl } })
      .then(function (result) {
        // Reached only when confirmation fails at once; otherwise the browser is on its way to the return page.
        var failure = result.error;
        error.textContent = failure && (failure.type === "card_error" || failure.type === "validation_error")
          ? failure.message : settings.unexpectedError;
      }, function () {
        error.textContent = settings.unexpectedError;
      })
      .then(function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
      });
  });
}());
