// The browsable API's raw-data form, sent by DRF's ajax-form.js (jQuery, vendored by DRF);
// only that form: the portal's own forms (sign-out, language) post as usual.
$(function () {
  $("form[data-api-form]").ajaxForm();
});
$(function () {
  $("form[data-api-form] textarea").addClass("form-control font-monospace").attr("rows", 8);
  $("form[data-api-form] select").addClass("form-select");
});
