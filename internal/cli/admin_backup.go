package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/medcode/medcode/internal/backup"
	"github.com/medcode/medcode/internal/config"
	"github.com/medcode/medcode/internal/store/postgres"
)

// passphraseEnv passes a backup passphrase without showing it in the
// process list or the shell history.
const passphraseEnv = "MEDCODE_BACKUP_PASSPHRASE"

// backupKeyFlags are the ways to name who can decrypt a backup.
type backupKeyFlags struct {
	recipients     multiFlag // age1... public keys
	recipientsFile string
	identityFile   string
	passphraseFile string
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (k *backupKeyFlags) register(fs *flag.FlagSet, writing bool) {
	if writing {
		fs.Var(&k.recipients, "recipient", "age public key (age1...) that can decrypt the backup; repeatable")
		fs.StringVar(&k.recipientsFile, "recipients-file", "", "file of age public keys, one per line")
	} else {
		fs.StringVar(&k.identityFile, "identity", "", "age identity file (AGE-SECRET-KEY-1...) that decrypts the backup")
	}
	fs.StringVar(&k.passphraseFile, "passphrase-file", "", "file holding the passphrase (or set "+passphraseEnv+")")
}

// passphrase reads the passphrase from its file or the environment; "" when
// neither is given.
func (k *backupKeyFlags) passphrase() (string, error) {
	if k.passphraseFile != "" {
		b, err := os.ReadFile(k.passphraseFile)
		if err != nil {
			return "", fmt.Errorf("passphrase file: %w", err)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", fmt.Errorf("passphrase file %s is empty", k.passphraseFile)
		}
		return p, nil
	}
	return os.Getenv(passphraseEnv), nil
}

func (k *backupKeyFlags) ageRecipients() ([]age.Recipient, error) {
	var out []age.Recipient
	for _, r := range k.recipients {
		rc, err := age.ParseX25519Recipient(r)
		if err != nil {
			return nil, usageError("--recipient %q: %v", r, err)
		}
		out = append(out, rc)
	}
	if k.recipientsFile != "" {
		f, err := os.Open(k.recipientsFile)
		if err != nil {
			return nil, fmt.Errorf("recipients file: %w", err)
		}
		defer f.Close()
		rs, err := age.ParseRecipients(f)
		if err != nil {
			return nil, fmt.Errorf("recipients file %s: %w", k.recipientsFile, err)
		}
		out = append(out, rs...)
	}
	p, err := k.passphrase()
	if err != nil {
		return nil, err
	}
	if p != "" {
		if len(out) > 0 {
			// age binds a passphrase backup to that passphrase alone.
			return nil, usageError("use recipients or a passphrase, not both")
		}
		r, err := age.NewScryptRecipient(p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, usageError("name who can decrypt the backup: --recipient age1..., --recipients-file, --passphrase-file or %s", passphraseEnv)
	}
	return out, nil
}

func (k *backupKeyFlags) ageIdentities() ([]age.Identity, error) {
	var out []age.Identity
	if k.identityFile != "" {
		f, err := os.Open(k.identityFile)
		if err != nil {
			return nil, fmt.Errorf("identity file: %w", err)
		}
		defer f.Close()
		ids, err := age.ParseIdentities(f)
		if err != nil {
			return nil, fmt.Errorf("identity file %s: %w", k.identityFile, err)
		}
		out = append(out, ids...)
	}
	p, err := k.passphrase()
	if err != nil {
		return nil, err
	}
	if p != "" {
		id, err := age.NewScryptIdentity(p)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, usageError("give --identity or a passphrase (--passphrase-file or %s)", passphraseEnv)
	}
	return out, nil
}

const adminBackupUsage = `--out FILE.age (--recipient age1... | --recipients-file FILE | --passphrase-file FILE)
Writes an online, consistent backup of the database, encrypted with age. The
encryption keys of the data (the key file or MEDCODE_KEY) are not included:
keep them apart from the backups.`

// runAdminBackup writes the backup beside its destination and renames it
// into place, so a failed backup never leaves a file that looks whole.
func runAdminBackup(ctx context.Context, env *Env, cfg *config.Config, args []string) error {
	fs := newFlags(env, "admin backup", adminBackupUsage)
	out := fs.String("out", "", "backup file to write")
	var keys backupKeyFlags
	keys.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		return usageError("want --out FILE")
	}
	recipients, err := keys.ageRecipients()
	if err != nil {
		return err
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: choose a new file name", *out)
	}
	f, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	m, err := backup.Write(ctx, cfg.DB, Version, f, recipients...)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s: %s backup, schema %d, %s\n", *out, m.Kind, m.Schema, summarizeTables(m))
	return nil
}

const adminRestoreUsage = `--in FILE.age (--identity FILE | --passphrase-file FILE)
Restores a backup into --db: a SQLite file that does not exist yet, or an
empty PostgreSQL database. Start the server with the key file (or
MEDCODE_KEY) the data was sealed with. With --check the backup is decrypted
and verified against its manifest, and nothing is restored.`

func runAdminRestore(ctx context.Context, env *Env, cfg *config.Config, args []string) error {
	fs := newFlags(env, "admin restore", adminRestoreUsage)
	in := fs.String("in", "", "backup file to read")
	check := fs.Bool("check", false, "only verify the backup")
	var keys backupKeyFlags
	keys.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || fs.NArg() != 0 {
		return usageError("want --in FILE")
	}
	identities, err := keys.ageIdentities()
	if err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	var m *backup.Manifest
	if *check {
		m, err = backup.Check(f, identities...)
	} else {
		m, err = backup.Restore(ctx, cfg.DB, f, identities...)
	}
	var noMatch *age.NoIdentityMatchError
	if errors.As(err, &noMatch) {
		return fmt.Errorf("%s: the identity or passphrase given does not decrypt this backup", *in)
	}
	if err != nil {
		return err
	}
	verb := "restored into " + postgres.Redact(cfg.DB)
	if *check {
		verb = "verified"
	}
	fmt.Fprintf(env.Stdout, "%s %s: %s backup of %s by medcode %s, schema %d, %s\n", verb, *in, m.Kind,
		m.CreatedAt.Format("2006-01-02 15:04:05 UTC"), m.Medcode, m.Schema, summarizeTables(m))
	return nil
}

func summarizeTables(m *backup.Manifest) string {
	parts := make([]string, 0, len(m.Tables))
	for _, t := range m.Tables {
		if t.Rows > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t.Name, t.Rows))
		}
	}
	return "rows: " + strings.Join(parts, ", ")
}
