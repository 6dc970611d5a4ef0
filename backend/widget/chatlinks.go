package widget

import (
	"errors"
	"net/http"

	"vouchdesk/backend/verify"
)

// The pages behind the links in verification and confirmation emails. As with sender links, a
// GET only shows what the link is for and a button; the POST of that button verifies, so mail
// scanners that open links cannot verify anything.
func (d *ChatDeps) linkGet(kind verify.LinkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := d.Verify.PreviewLink(r.Context(), kind, r.PathValue("token"))
		switch {
		case errors.Is(err, verify.ErrLinkUnusable):
			renderLinkPage(w, http.StatusNotFound, chatLinkUnusable)
		case err != nil:
			d.Log.Error("chat link page", "err", err)
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Class: "bad", Message: "Try again in a moment."})
		default:
			title, msg := "Confirm your email", "Confirming tells the person you are chatting with that this address is yours."
			if kind == verify.OptInLink {
				msg = "Confirming adds you as a contact, as you agreed in the chat."
			}
			renderLinkPage(w, http.StatusOK, linkPageData{Title: title, Lead: "Confirm", Address: p.Email, Org: p.OrgName, Message: msg, Confirm: true})
		}
	}
}

var chatLinkUnusable = linkPageData{Title: "This link no longer works", Class: "bad",
	Message: "It was already used or has expired. Ask in the chat for a new one."}

func (d *ChatDeps) linkPost(kind verify.LinkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := d.Verify.ConfirmLink(r.Context(), kind, r.PathValue("token"))
		switch {
		case errors.Is(err, verify.ErrLinkUnusable):
			renderLinkPage(w, http.StatusNotFound, chatLinkUnusable)
		case err != nil:
			d.Log.Error("chat link confirm", "err", err)
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Class: "bad", Message: "Try again in a moment."})
		default:
			renderLinkPage(w, http.StatusOK, linkPageData{Title: "Email confirmed", Class: "ok", Lead: "Thank you. Confirmed",
				Address: p.Email, Org: p.OrgName, Message: "You can close this page and go back to the chat."})
		}
	}
}
