#include "settingsdialog.h"

#include "appsettings.h"
#include "units.h"

#include <QCheckBox>
#include <QColor>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPalette>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using heiko::CollisionPolicy;
using heiko::EngineOptions;

namespace {

QSpinBox *makeSpinBox(const QString &name, int min, int max, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(min, max);
    box->setAccelerated(true);
    return box;
}

QCheckBox *makeCheckBox(const QString &name, const QString &text, QWidget *parent)
{
    auto *box = new QCheckBox(text, parent);
    box->setObjectName(name);
    return box;
}

// What the user typed, as an absolute path with '/' separators, or empty when it is not one. "~" is the
// home folder, as in a shell.
QString normalizedFolder(const QString &text)
{
    QString path = QDir::fromNativeSeparators(text.trimmed());
    if (path == u"~" || path.startsWith(u"~/"))
        path = QDir::homePath() + path.sliced(1);
    if (path.isEmpty() || !QDir::isAbsolutePath(path))
        return {};
    return QDir::cleanPath(path);
}

QString quoted(const QString &path)
{
    return u'\u201C' + QDir::toNativeSeparators(path) + u'\u201D';
}

} // namespace

SettingsDialog::SettingsDialog(AppSettings &settings, QWidget *parent)
    : SettingsDialog(settings, settings.engineOptions(), parent)
{ }

SettingsDialog::SettingsDialog(AppSettings &settings, const heiko::EngineOptions &running, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_running(running)
{
    setWindowTitle(tr("Settings"));
    buildForm();
    load();
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::buildForm()
{
    // Downloads: where they go and whether they start.
    auto *downloadsBox = new QGroupBox(tr("Downloads"), this);
    auto *downloadsForm = new QFormLayout(downloadsBox);

    m_folder = new QLineEdit(downloadsBox);
    m_folder->setObjectName(u"downloadFolder"_s);
    m_folder->setClearButtonEnabled(true);
    auto *browse = new QPushButton(tr("Browse\u2026"), downloadsBox);
    browse->setObjectName(u"browseFolder"_s);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    downloadsForm->addRow(tr("Save &to:"), folderRow);
    auto *folderLabel = qobject_cast<QLabel *>(downloadsForm->labelForField(folderRow));
    if (folderLabel)
        folderLabel->setBuddy(m_folder);

    m_folderError = new QLabel(downloadsBox);
    m_folderError->setObjectName(u"folderError"_s);
    m_folderError->setWordWrap(true);
    m_folderError->setTextFormat(Qt::PlainText);
    m_folderError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette errorPalette = m_folderError->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x28));
    m_folderError->setPalette(errorPalette);
    m_folderError->hide();
    downloadsForm->addRow(m_folderError);

    m_startAutomatically
        = makeCheckBox(u"startAutomatically"_s, tr("&Start added downloads immediately"), downloadsBox);
    m_startAutomatically->setToolTip(tr("When off, added downloads wait, paused, until you start them."));
    downloadsForm->addRow(m_startAutomatically);

    // Engine: how many at once and how hard to try.
    auto *engineBox = new QGroupBox(tr("Transfers"), this);
    auto *engineForm = new QFormLayout(engineBox);

    m_maxWorkers
        = makeSpinBox(u"maxWorkers"_s, AppSettings::kMinWorkers, AppSettings::kMaxWorkers, engineBox);
    m_maxWorkers->setToolTip(tr("How many files download at the same time, each on its own worker thread."));
    engineForm->addRow(tr("Simultaneous &downloads:"), m_maxWorkers);

    m_connections = makeSpinBox(u"connections"_s, AppSettings::kMinConnections, AppSettings::kMaxConnections,
                                engineBox);
    m_connections->setToolTip(tr("Above 1, a file of 2 MiB or more is fetched in pieces over this many "
                                 "connections at once, when the server allows it."));
    engineForm->addRow(tr("&Connections per file:"), m_connections);

    m_timeout = makeSpinBox(u"timeout"_s, AppSettings::kMinTimeoutSeconds, AppSettings::kMaxTimeoutSeconds,
                            engineBox);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setToolTip(tr("A connection that cannot be made, or that stalls, for this long is retried."));
    engineForm->addRow(tr("&Timeout:"), m_timeout);

    m_retries = makeSpinBox(u"retries"_s, AppSettings::kMinRetries, AppSettings::kMaxRetries, engineBox);
    m_retries->setToolTip(tr("How many more times a download is tried after a temporary failure."));
    engineForm->addRow(tr("&Retries:"), m_retries);

    m_perHost = makeSpinBox(u"maxConnectionsPerHost"_s, 1, AppSettings::kMaxWorkers, engineBox);
    m_perHost->setToolTip(tr("At most this many connections to one server at once, across all downloads."));
    engineForm->addRow(tr("Connections per &server:"), m_perHost);

    m_overallConnections = makeSpinBox(u"maxConnections"_s, AppSettings::kMinConnectionsOverall,
                                       AppSettings::kMaxConnectionsOverall, engineBox);
    m_overallConnections->setToolTip(tr("At most this many connections at once, across all downloads and "
                                        "servers, the pieces of one file included."));
    engineForm->addRow(tr("Connections at once, &all servers:"), m_overallConnections);

    const auto makeLimit = [engineBox](const QString &name) {
        auto *box = new QSpinBox(engineBox);
        box->setObjectName(name);
        box->setRange(0, 10'000'000);
        box->setSuffix(tr(" KiB/s"));
        box->setSpecialValueText(tr("No limit"));
        box->setSingleStep(100);
        return box;
    };
    m_overallLimit = makeLimit(u"overallLimit"_s);
    m_overallLimit->setToolTip(tr("All downloads together at most this fast (also in the toolbar)."));
    engineForm->addRow(tr("&Overall speed limit:"), m_overallLimit);
    m_downloadLimit = makeLimit(u"downloadLimit"_s);
    m_downloadLimit->setToolTip(
        tr("Each new download at most this fast; change one download's limit from its "
           "context menu."));
    engineForm->addRow(tr("&Limit per download:"), m_downloadLimit);

    m_collisionPolicy = new QComboBox(engineBox);
    m_collisionPolicy->setObjectName(u"collisionPolicy"_s);
    m_collisionPolicy->addItem(tr("Keep both: rename the new file"), int(CollisionPolicy::Rename));
    m_collisionPolicy->addItem(tr("Replace the existing file"), int(CollisionPolicy::Overwrite));
    m_collisionPolicy->addItem(tr("Skip the download"), int(CollisionPolicy::Skip));
    engineForm->addRow(tr("If the &file exists:"), m_collisionPolicy);
    m_collisionHelp = new QLabel(engineBox);
    m_collisionHelp->setObjectName(u"collisionPolicyHelp"_s);
    m_collisionHelp->setWordWrap(true);
    m_collisionHelp->setTextFormat(Qt::PlainText);
    engineForm->addRow(QString(), m_collisionHelp);

    // Window behaviour.
    auto *windowBox = new QGroupBox(tr("Window"), this);
    auto *windowLayout = new QVBoxLayout(windowBox);
    m_notifications = makeCheckBox(u"notifications"_s,
                                   tr("Show a &notification when downloads finish or fail"), windowBox);
    windowLayout->addWidget(m_notifications);
    m_closeToTray = makeCheckBox(u"closeToTray"_s, tr("C&losing the window keeps Heiko running in the tray"),
                                 windowBox);
    windowLayout->addWidget(m_closeToTray);

    m_buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    m_buttons->setObjectName(u"buttons"_s);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(downloadsBox);
    layout->addWidget(engineBox);
    layout->addWidget(windowBox);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    connect(browse, &QPushButton::clicked, this, &SettingsDialog::browseFolder);
    connect(m_folder, &QLineEdit::textEdited, this, &SettingsDialog::clearFolderError);
    connect(m_collisionPolicy, &QComboBox::currentIndexChanged, this, &SettingsDialog::updateCollisionHelp);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            &SettingsDialog::restoreDefaults);
}

void SettingsDialog::load()
{
    const EngineOptions &options = m_running;
    m_maxWorkers->setValue(options.maxWorkers);
    m_connections->setValue(options.connectionsPerFile);
    m_timeout->setValue(int(std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count()));
    m_retries->setValue(options.retries);
    m_perHost->setValue(options.maxConnectionsPerHost);
    m_overallConnections->setValue(options.maxConnections);
    m_overallLimit->setValue(heiko::units::rateAsKiB(options.overallRateLimit, m_overallLimit->maximum()));
    m_downloadLimit->setValue(heiko::units::rateAsKiB(options.downloadRateLimit, m_downloadLimit->maximum()));
    m_collisionPolicy->setCurrentIndex(m_collisionPolicy->findData(int(options.collisionPolicy)));
    m_folder->setText(QDir::toNativeSeparators(m_settings.downloadFolder()));
    m_startAutomatically->setChecked(m_settings.startAutomatically());
    m_notifications->setChecked(m_settings.notifications());
    m_closeToTray->setChecked(m_settings.closeToTray());
    clearFolderError();
    updateCollisionHelp();
}

void SettingsDialog::restoreDefaults()
{
    const EngineOptions options = AppSettings::defaultEngineOptions();
    m_maxWorkers->setValue(options.maxWorkers);
    m_connections->setValue(options.connectionsPerFile);
    m_timeout->setValue(int(std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count()));
    m_retries->setValue(options.retries);
    m_perHost->setValue(options.maxConnectionsPerHost);
    m_overallConnections->setValue(options.maxConnections);
    m_overallLimit->setValue(heiko::units::rateAsKiB(options.overallRateLimit, m_overallLimit->maximum()));
    m_downloadLimit->setValue(heiko::units::rateAsKiB(options.downloadRateLimit, m_downloadLimit->maximum()));
    m_collisionPolicy->setCurrentIndex(m_collisionPolicy->findData(int(options.collisionPolicy)));
    m_folder->setText(QDir::toNativeSeparators(AppSettings::defaultDownloadFolder()));
    m_startAutomatically->setChecked(AppSettings::kDefaultStartAutomatically);
    m_notifications->setChecked(AppSettings::kDefaultNotifications);
    m_closeToTray->setChecked(AppSettings::kDefaultCloseToTray);
    clearFolderError();
    updateCollisionHelp();
}

void SettingsDialog::accept()
{
    const QString folder = normalizedFolder(m_folder->text());
    if (const QString problem = checkFolder(m_folder->text()); !problem.isEmpty()) {
        showFolderError(problem);
        return;
    }
    clearFolderError();

    // The fields this dialog shows, on top of other options: engine fields it does not show keep their
    // values, the stored ones in the settings and the running ones (a --retry-wait, say) in the engine.
    const auto withShownFields = [this](EngineOptions options) {
        options.maxWorkers = m_maxWorkers->value();
        options.connectionsPerFile = m_connections->value();
        options.timeout = std::chrono::seconds(m_timeout->value());
        options.retries = m_retries->value();
        options.maxConnectionsPerHost = m_perHost->value();
        options.maxConnections = m_overallConnections->value();
        // A limit the fields show rounded (500 B/s as 1 KiB/s) stays exact unless the field was changed.
        options.overallRateLimit = heiko::units::rateFromField(
            m_overallLimit->value(), m_overallLimit->maximum(), m_running.overallRateLimit);
        options.downloadRateLimit = heiko::units::rateFromField(
            m_downloadLimit->value(), m_downloadLimit->maximum(), m_running.downloadRateLimit);
        options.collisionPolicy = static_cast<CollisionPolicy>(m_collisionPolicy->currentData().toInt());
        return options;
    };
    m_settings.setEngineOptions(withShownFields(m_settings.engineOptions()));
    m_settings.setDownloadFolder(folder);
    m_settings.setStartAutomatically(m_startAutomatically->isChecked());
    m_settings.setNotifications(m_notifications->isChecked());
    m_settings.setCloseToTray(m_closeToTray->isChecked());
    const QString problem = m_settings.sync();
    Q_EMIT settingsApplied(withShownFields(m_running));
    if (!problem.isEmpty())
        Q_EMIT notSaved(problem);
    QDialog::accept();
}

void SettingsDialog::browseFolder()
{
    QString start = normalizedFolder(m_folder->text());
    if (start.isEmpty() || !QFileInfo(start).isDir())
        start = AppSettings::defaultDownloadFolder();
    const QString chosen = QFileDialog::getExistingDirectory(this, tr("Choose the Download Folder"), start);
    if (chosen.isEmpty())
        return; // cancelled: keep what was there
    m_folder->setText(QDir::toNativeSeparators(chosen));
    clearFolderError();
}

void SettingsDialog::updateCollisionHelp()
{
    QString help;
    switch (static_cast<CollisionPolicy>(m_collisionPolicy->currentData().toInt())) {
    case CollisionPolicy::Rename:
        help = tr("The new file is saved as \u201Cname (1).ext\u201D, \u201Cname (2).ext\u201D, and so on. "
                  "Nothing is ever overwritten.");
        break;
    case CollisionPolicy::Overwrite:
        help = tr("The existing file is replaced, but only once the new one has downloaded completely; "
                  "until then the old file stays as it was.");
        break;
    case CollisionPolicy::Skip:
        help = tr("The existing file is kept and the download is marked finished without fetching "
                  "anything.");
        break;
    }
    m_collisionHelp->setText(help);
    growToFit();
}

// A top-level layout does not grow the window for text that wraps onto more lines (the folder message,
// a longer policy explanation), so without this the word-wrapped labels would be squeezed and clipped.
void SettingsDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    // The size hint the first show() used was taken before the labels knew their width, so a wrapped label
    // got one line's height and its last lines were cut off.
    growToFit();
}

void SettingsDialog::growToFit()
{
    if (!isVisible())
        return; // showEvent() does it
    layout()->activate();
    if (const int needed = layout()->totalHeightForWidth(width()); needed > height())
        resize(width(), needed);
}

void SettingsDialog::showFolderError(const QString &message)
{
    m_folderError->setText(message);
    m_folderError->show();
    growToFit();
    m_folder->setFocus(Qt::OtherFocusReason);
    m_folder->selectAll();
}

void SettingsDialog::clearFolderError()
{
    m_folderError->clear();
    m_folderError->hide();
}

// Creates the folder when it does not exist yet: choosing a new folder and pressing OK is how people make
// one here, and a folder that cannot be made is better reported now than by the first download.
QString SettingsDialog::checkFolder(const QString &text) const
{
    if (text.trimmed().isEmpty())
        return tr("Enter the folder to save downloads to, or use Browse\u2026 to pick one.");
    const QString path = normalizedFolder(text);
    if (path.isEmpty())
        return tr("%1 is not a full path. Enter one that starts at the top of the file system, such as %2, "
                  "or use Browse\u2026 to pick a folder.")
            .arg(quoted(text.trimmed()), quoted(QDir::homePath() + u"/Downloads"_s));

    const QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return tr("%1 is a file, not a folder. Enter a folder, or use Browse\u2026 to pick one.")
            .arg(quoted(path));
    if (!info.exists()) {
        // Name the part of the path that is in the way, which is what the user has to fix.
        QString ancestor = path;
        while (!QFileInfo::exists(ancestor) && !QDir(ancestor).isRoot()) {
            const QString parent = QFileInfo(ancestor).path();
            if (parent == ancestor)
                break;
            ancestor = parent;
        }
        const QFileInfo ancestorInfo(ancestor);
        if (ancestorInfo.exists() && !ancestorInfo.isDir())
            return tr("The folder %1 cannot be created because %2 is a file, not a folder. Use Browse\u2026 "
                      "to "
                      "pick another folder.")
                .arg(quoted(path), quoted(ancestor));
        if (!QDir().mkpath(path))
            return tr("The folder %1 does not exist and cannot be created: you may not be allowed to write "
                      "in %2. Use Browse\u2026 to pick another folder, or create this one yourself.")
                .arg(quoted(path), quoted(ancestor));
    }
    if (!QFileInfo(path).isWritable())
        return tr("Heiko cannot save files in %1: the folder is read-only for you. Use "
                  "Browse\u2026 to pick another folder, or change this folder's permissions.")
            .arg(quoted(path));
    return {};
}
