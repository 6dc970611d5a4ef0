package verify

import (
	"context"

	"vouchdesk/backend/store"
)

// Device makes (or recognises) a customer's device in a transaction of its own, for tests that
// need one without starting a chat (in the product only StartChat makes devices).
func (s *Service) Device(ctx context.Context, orgID, plain, userAgent string) (deviceID, newToken string, recognized bool, err error) {
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		deviceID, newToken, recognized, err = device(tx, orgID, plain, userAgent, s.now())
		return err
	})
	return deviceID, newToken, recognized, err
}
