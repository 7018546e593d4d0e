#pragma once

#include "engineoptions.h"

#include <QDialog>

class AppSettings;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// The settings dialog: edits a copy of AppSettings in its widgets and writes them back only on OK, after
// checking that the download folder can be used (an inline message keeps the dialog open otherwise).
//
// Child widgets carry object names so that tests (and style sheets) can find them: "maxWorkers",
// "connections", "timeout", "retries", "maxConnectionsPerHost", "maxConnections", "overallLimit",
// "downloadLimit", "collisionPolicy", "collisionPolicyHelp", "downloadFolder", "browseFolder", "folderError",
// "startAutomatically", "notifications", "closeToTray", "buttons".
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    // `running`: the options the engine runs with now (values given on the command line included). The dialog
    // shows those rather than the stored ones, so that OK does not quietly undo them; OK saves only the
    // fields the dialog shows, and applies them on top of `running`. Without it, the stored options are
    // shown.
    explicit SettingsDialog(AppSettings &settings, QWidget *parent = nullptr);
    SettingsDialog(AppSettings &settings, const heiko::EngineOptions &running, QWidget *parent = nullptr);
    ~SettingsDialog() override;

    // Validates the folder (creating it when it does not exist yet); on success writes every setting,
    // emits settingsApplied() with the options to run with and closes, otherwise shows what is wrong and
    // stays open.
    void accept() override;

    // Puts the defaults into the widgets; nothing is saved until OK.
    void restoreDefaults();

protected:
    void showEvent(QShowEvent *event) override;

Q_SIGNALS:
    void settingsApplied(const heiko::EngineOptions &engine);
    // The settings apply, but could not be written to disk: `problem` says why and what to do.
    void notSaved(const QString &problem);

private:
    void buildForm();
    void load();
    void browseFolder();
    void updateCollisionHelp();
    void showFolderError(const QString &message);
    void clearFolderError();
    void growToFit();
    QString checkFolder(const QString &path) const; // empty when usable; else what is wrong and what to do

    AppSettings &m_settings;
    heiko::EngineOptions m_running; // what the engine fields start from (see the constructor)
    QSpinBox *m_maxWorkers = nullptr;
    QSpinBox *m_connections = nullptr;
    QSpinBox *m_timeout = nullptr;
    QSpinBox *m_retries = nullptr;
    QSpinBox *m_perHost = nullptr;
    QSpinBox *m_overallConnections = nullptr;
    QSpinBox *m_overallLimit = nullptr; // KiB/s, 0 = none
    QSpinBox *m_downloadLimit = nullptr;
    QComboBox *m_collisionPolicy = nullptr;
    QLabel *m_collisionHelp = nullptr;
    QLineEdit *m_folder = nullptr;
    QLabel *m_folderError = nullptr;
    QCheckBox *m_startAutomatically = nullptr;
    QCheckBox *m_notifications = nullptr;
    QCheckBox *m_closeToTray = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};
