package app

import (
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/greenlight/greenlight/config"
	"github.com/greenlight/greenlight/encryption"
)

// payloadCodec is the codec that seals a process's Temporal payloads, or nil
// when they stay plain. Outside dev, payloads are sealed unless an operator
// says off: a campaign's posts, clients and decisions would otherwise sit
// readable in Temporal's database and in anyone's view of its API. Dev
// seals them only when given keys, so that nothing has to be set up first.
func payloadCodec(cfg config.Config, dev bool, logger *slog.Logger) (*encryption.Codec, error) {
	logger = orDefault(logger)
	spec, err := cfg.Payloads.KeySpec()
	if err != nil {
		return nil, err
	}
	if spec == "" {
		switch {
		case cfg.Payloads.Encryption == config.EncryptionOff:
			if !dev {
				logger.Warn("payload encryption is off: campaign inputs, posts and decisions are kept in Temporal in plain text")
			}
			return nil, nil
		case dev && cfg.Payloads.Encryption == "":
			return nil, nil
		}
		return nil, fmt.Errorf("payload encryption is on but no key is set: set %s to id:base64 of 32 random bytes "+
			"(e.g. k1:$(openssl rand -base64 32)), the same on every server and worker, or %s to a file of such keys; "+
			"%s=off keeps payloads in plain text", config.EnvPayloadKeys, config.EnvPayloadKeysFile, config.EnvPayloadEncryption)
	}
	codec, err := encryption.ParseKeys(spec)
	if err != nil {
		source := config.EnvPayloadKeys
		if cfg.Payloads.KeysFile != "" {
			source = config.EnvPayloadKeysFile + " " + cfg.Payloads.KeysFile
		}
		return nil, fmt.Errorf("payload keys (%s): %w", source, err)
	}
	warnDemoKey(codec, logger)
	return codec, nil
}

// dataConverter is the converter of a process's Temporal payloads.
func dataConverter(codec *encryption.Codec) converter.DataConverter {
	if codec == nil {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec)
}

// WithCodec seals every payload the client and its workers write with
// codec, failure messages and stack traces included (they may quote a post);
// nil leaves the client as it is.
func WithCodec(codec *encryption.Codec) func(*client.Options) {
	return func(o *client.Options) {
		if codec == nil {
			return
		}
		dc := dataConverter(codec)
		o.DataConverter = dc
		o.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: dc, EncodeCommonAttributes: true,
		})
	}
}

// codecOrNil keeps a nil codec a nil interface, so the API knows it has none.
func codecOrNil(codec *encryption.Codec) converter.PayloadCodec {
	if codec == nil {
		return nil
	}
	return codec
}

// describePayloads is the ready line's word for how payloads are kept.
func describePayloads(codec *encryption.Codec) string {
	if codec == nil {
		return "plain"
	}
	return "encrypted (key " + codec.KeyID() + ")"
}

// demoKeyID names the public key docker-compose.yml ships for a first try.
const demoKeyID = "insecure-demo"

// warnDemoKey says so when a process seals with that key.
func warnDemoKey(codec *encryption.Codec, logger *slog.Logger) {
	if codec != nil && codec.KeyID() == demoKeyID {
		logger.Warn("payloads are sealed with docker-compose.yml's public demo key: anyone can read them; set GREENLIGHT_PAYLOAD_KEYS to a key of your own (k1:$(openssl rand -base64 32)) and keep the demo one after it until old campaigns end")
	}
}
