package widget

import (
	"errors"
	"net/http"

	"vouchdesk/backend/verify"
)

// The pages behind the links in verification and confirmation emails. As with sender links, a
// GET only shows what the link is for and two buttons; the POST of a button verifies
// (answer=confirm, or no answer) or refuses (answer=refuse, "This wasn't me"), so mail scanners
// that open links can neither verify nor refuse anything.
//
// Confirming verifies whoever typed the address into the chat, so the page first says who that
// is: the organization, when the chat started and the name given there.
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
			msg := "Confirm only if this is you: confirming lets the person in that chat act as " + p.Email + "."
			if kind == verify.OptInLink {
				msg = "Confirm only if this is you: confirming adds " + p.Email + " as a contact of " + p.OrgName +
					", as agreed in the chat, and lets the person in that chat act as it."
			}
			renderLinkPage(w, http.StatusOK, linkPageData{Title: "Is this you?", Message: msg, Refuse: true,
				Chat: &chatFacts{Org: p.OrgName, Address: p.Email, Started: verify.UTCTime(p.StartedAt), Name: p.VisitorName},
				Note: "If it is not you, press \u201cThis wasn't me\u201d: nothing is confirmed, the link stops working, and " + p.OrgName + " is told."})
		}
	}
}

var chatLinkUnusable = linkPageData{Title: "This link no longer works", Class: "bad",
	Message: "It was already used or has expired. Ask in the chat for a new one."}

// maxLinkForm bounds a link page's form post: it holds one short field.
const maxLinkForm = 1 << 10

func (d *ChatDeps) linkPost(kind verify.LinkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxLinkForm)
		if err := r.ParseForm(); err != nil {
			renderLinkPage(w, http.StatusBadRequest, linkPageData{Title: "Something went wrong", Class: "bad",
				Message: "Nothing was confirmed. Open the link from the email again and press a button."})
			return
		}
		var p verify.LinkPreview
		var err error
		refuse := false
		switch r.PostForm.Get("answer") {
		case "", "confirm":
			p, err = d.Verify.ConfirmLink(r.Context(), kind, r.PathValue("token"))
		case "refuse":
			refuse = true
			p, err = d.Verify.RefuseLink(r.Context(), kind, r.PathValue("token"))
		default:
			renderLinkPage(w, http.StatusBadRequest, linkPageData{Title: "Something went wrong", Class: "bad",
				Message: "Nothing was confirmed. Open the link from the email again and press a button."})
			return
		}
		switch {
		case errors.Is(err, verify.ErrLinkUnusable):
			renderLinkPage(w, http.StatusNotFound, chatLinkUnusable)
		case err != nil:
			d.Log.Error("chat link answer", "refuse", refuse, "err", err)
			renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Class: "bad", Message: "Try again in a moment."})
		case refuse:
			renderLinkPage(w, http.StatusOK, linkPageData{Title: "Nothing was confirmed",
				Message: "Thank you. We told " + p.OrgName + " that the person chatting as " + p.Email +
					" is not you, and this link no longer works. You can close this page."})
		default:
			renderLinkPage(w, http.StatusOK, linkPageData{Title: "Email confirmed", Class: "ok", Lead: "Thank you. Confirmed",
				Address: p.Email, Org: p.OrgName, Message: "You can close this page and go back to the chat."})
		}
	}
}
