package auth

import (
	"context"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/store"
)

// ChangeEmail corrects the account's address; the caller has confirmed
// the password (ConfirmPassword). The new address starts unconfirmed and
// gets a verification link; the old one is told of the change, so a change
// the owner did not make is noticed.
func (a *Accounts) ChangeEmail(ctx context.Context, u *store.User, newEmail string) error {
	email, err := NormalizeEmail(newEmail)
	if err != nil {
		return err
	}
	if email == u.Email {
		return apperr.New(apperr.Invalid, "That is already your email address.")
	}
	if err := a.db.ChangeEmail(ctx, u.ID, email); err != nil {
		return err
	}
	a.log.Info("email address changed", "user", u.ID)
	if a.mail == nil {
		return nil
	}
	old := u.Email
	if err := a.SendVerification(ctx, &store.User{ID: u.ID, Email: email}); err != nil {
		a.log.Warn("verification email not sent", "user", u.ID, "err", err)
	}
	if err := a.mail.Send(ctx, mail.Message{To: old, Subject: "Your medcode email address was changed",
		Body: "The email address of your medcode account was changed to " + email + ".\n\n" +
			"If you did not make this change, reset your password from the sign-in page and write to support.\n"}); err != nil {
		a.log.Warn("change notice to the old address not sent", "user", u.ID, "err", err)
	}
	return nil
}
