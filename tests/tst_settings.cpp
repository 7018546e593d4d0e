#include "appsettings.h"
#include "settingsdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using heiko::CollisionPolicy;
using heiko::EngineOptions;

namespace {

// Everything AppSettings stores, as one comparable string per setting: a mismatch names the setting.
QStringList describe(const AppSettings &settings)
{
    const EngineOptions engine = settings.engineOptions();
    return {
        u"maxWorkers=%1"_s.arg(engine.maxWorkers),
        u"connectionsPerFile=%1"_s.arg(engine.connectionsPerFile),
        u"maxConnections=%1"_s.arg(engine.maxConnections),
        u"timeout=%1"_s.arg(std::chrono::duration_cast<std::chrono::seconds>(engine.timeout).count()),
        u"retries=%1"_s.arg(engine.retries),
        u"collisionPolicy="_s + AppSettings::collisionPolicyName(engine.collisionPolicy),
        u"downloadFolder="_s + settings.downloadFolder(),
        u"startAutomatically=%1"_s.arg(settings.startAutomatically()),
        u"notifications=%1"_s.arg(settings.notifications()),
        u"closeToTray=%1"_s.arg(settings.closeToTray()),
        u"windowGeometry="_s + QString::fromLatin1(settings.windowGeometry().toHex()),
        u"windowState="_s + QString::fromLatin1(settings.windowState().toHex()),
    };
}

QString valueOf(const QStringList &description, const QString &name)
{
    for (const QString &entry : description) {
        if (entry.startsWith(name + u'='))
            return entry.sliced(name.size() + 1);
    }
    return u"<no such setting>"_s;
}

template<typename T> T *child(QWidget &parent, const QString &name)
{
    T *widget = parent.findChild<T *>(name);
    if (!widget)
        qFatal("no child %s", qPrintable(name));
    return widget;
}

} // namespace

class TestSettings final : public QObject
{
    Q_OBJECT

private:
    QString iniPath() const { return m_dir->filePath(u"heiko.ini"_s); }
    void writeIni(const QByteArray &text) const
    {
        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(text), text.size());
    }

    std::unique_ptr<QTemporaryDir> m_home;
    std::unique_ptr<QTemporaryDir> m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        // The default download folder comes from HOME (and XDG's user-dirs): point both into a temporary
        // folder so that Restore Defaults + OK creates nothing in the real home.
        m_home = std::make_unique<QTemporaryDir>();
        QVERIFY(m_home->isValid());
        qputenv("HOME", QFile::encodeName(m_home->path()));
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_home->filePath(u".config"_s)));
        QCOMPARE(AppSettings::defaultDownloadFolder(), m_home->filePath(u"Downloads"_s));
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void defaultsWhenNothingIsStored()
    {
        QSettings ini(iniPath(), QSettings::IniFormat);
        const AppSettings settings(ini);
        const EngineOptions defaults;
        QCOMPARE(settings.engineOptions().maxWorkers, defaults.maxWorkers);
        QCOMPARE(settings.engineOptions().connectionsPerFile, defaults.connectionsPerFile);
        QCOMPARE(settings.engineOptions().maxConnections, defaults.maxConnections);
        QCOMPARE(settings.engineOptions().timeout, defaults.timeout);
        QCOMPARE(settings.engineOptions().retries, defaults.retries);
        QCOMPARE(settings.engineOptions().collisionPolicy, CollisionPolicy::Rename);
        QCOMPARE(settings.downloadFolder(), m_home->filePath(u"Downloads"_s));
        QCOMPARE(settings.startAutomatically(), true);
        QCOMPARE(settings.notifications(), true);
        QCOMPARE(settings.closeToTray(), false);
        QVERIFY(settings.windowGeometry().isEmpty());
        QVERIFY(settings.windowState().isEmpty());
    }

    void roundTripThroughIni_data()
    {
        QTest::addColumn<int>("workers");
        QTest::addColumn<int>("connections");
        QTest::addColumn<int>("overallConnections");
        QTest::addColumn<int>("timeout");
        QTest::addColumn<int>("retries");
        QTest::addColumn<CollisionPolicy>("policy");
        QTest::addColumn<QString>("folder");
        QTest::addColumn<bool>("flags"); // startAutomatically, notifications, closeToTray all set to this
        QTest::addColumn<QByteArray>("blob");

        QTest::newRow("lowest") << 1 << 1 << 1 << 1 << 0 << CollisionPolicy::Skip << u"/srv/down loads"_s
                                << false << QByteArray("\x00\x01\xff\n=;[x]", 9);
        QTest::newRow("highest") << 64 << 16 << 1024 << 86'400 << 100 << CollisionPolicy::Overwrite
                                 << u"/tmp/\u4E26\u884C/\u00FCber"_s << true << QByteArray(4096, '\xA5');
        QTest::newRow("middle") << 7 << 3 << 100 << 45 << 9 << CollisionPolicy::Rename << u"/a/b,c;d=e"_s
                                << true << QByteArray("geometry");
    }

    void roundTripThroughIni()
    {
        QFETCH(int, workers);
        QFETCH(int, connections);
        QFETCH(int, overallConnections);
        QFETCH(int, timeout);
        QFETCH(int, retries);
        QFETCH(CollisionPolicy, policy);
        QFETCH(QString, folder);
        QFETCH(bool, flags);
        QFETCH(QByteArray, blob);

        QStringList written;
        {
            QSettings ini(iniPath(), QSettings::IniFormat);
            AppSettings settings(ini);
            EngineOptions options;
            options.maxWorkers = workers;
            options.connectionsPerFile = connections;
            options.maxConnections = overallConnections;
            options.timeout = std::chrono::seconds(timeout);
            options.retries = retries;
            options.collisionPolicy = policy;
            settings.setEngineOptions(options);
            settings.setDownloadFolder(folder);
            settings.setStartAutomatically(flags);
            settings.setNotifications(flags);
            settings.setCloseToTray(flags);
            settings.setWindowGeometry(blob);
            settings.setWindowState(blob + "state");
            settings.sync();
            QCOMPARE(ini.status(), QSettings::NoError);
            written = describe(settings);
        }
        QSettings reopened(iniPath(), QSettings::IniFormat);
        const AppSettings settings(reopened);
        const QStringList read = describe(settings);
        QCOMPARE(read, written);
        QCOMPARE(valueOf(read, u"maxWorkers"_s).toInt(), workers);
        QCOMPARE(valueOf(read, u"connectionsPerFile"_s).toInt(), connections);
        QCOMPARE(valueOf(read, u"maxConnections"_s).toInt(), overallConnections);
        QCOMPARE(valueOf(read, u"timeout"_s).toInt(), timeout);
        QCOMPARE(valueOf(read, u"retries"_s).toInt(), retries);
        QCOMPARE(settings.engineOptions().collisionPolicy, policy);
        QCOMPARE(settings.downloadFolder(), folder);
        QCOMPARE(settings.startAutomatically(), flags);
        QCOMPARE(settings.notifications(), flags);
        QCOMPARE(settings.closeToTray(), flags);
        QCOMPARE(settings.windowGeometry(), blob);
        QCOMPARE(settings.windowState(), blob + "state");
    }

    void policyIsStoredAsAWord_data()
    {
        QTest::addColumn<CollisionPolicy>("policy");
        QTest::addColumn<QString>("word");
        QTest::newRow("rename") << CollisionPolicy::Rename << u"rename"_s;
        QTest::newRow("overwrite") << CollisionPolicy::Overwrite << u"overwrite"_s;
        QTest::newRow("skip") << CollisionPolicy::Skip << u"skip"_s;
    }

    void policyIsStoredAsAWord()
    {
        QFETCH(CollisionPolicy, policy);
        QFETCH(QString, word);
        {
            QSettings ini(iniPath(), QSettings::IniFormat);
            AppSettings settings(ini);
            EngineOptions options;
            options.collisionPolicy = policy;
            settings.setEngineOptions(options);
            settings.sync();
        }
        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY2(text.contains("[engine]"), text.constData());
        QVERIFY2(text.contains(QByteArray("collisionPolicy=" + word.toLatin1() + '\n')), text.constData());
    }

    // A hand-edited file: every value is clamped or replaced by the default, never used as it is.
    void handEditedValuesAreClamped_data()
    {
        QTest::addColumn<QByteArray>("ini");
        QTest::addColumn<QString>("setting");
        QTest::addColumn<QString>("expected"); // "$HOME" stands for the test's home folder

        QTest::newRow("workers too many")
            << QByteArray("[engine]\nmaxWorkers=999\n") << u"maxWorkers"_s << u"64"_s;
        QTest::newRow("workers zero") << QByteArray("[engine]\nmaxWorkers=0\n") << u"maxWorkers"_s << u"1"_s;
        QTest::newRow("workers negative")
            << QByteArray("[engine]\nmaxWorkers=-3\n") << u"maxWorkers"_s << u"1"_s;
        QTest::newRow("workers word")
            << QByteArray("[engine]\nmaxWorkers=banana\n") << u"maxWorkers"_s << u"2"_s;
        QTest::newRow("workers empty") << QByteArray("[engine]\nmaxWorkers=\n") << u"maxWorkers"_s << u"2"_s;
        QTest::newRow("workers overflow")
            << QByteArray("[engine]\nmaxWorkers=99999999999999999999999\n") << u"maxWorkers"_s << u"64"_s;
        QTest::newRow("workers exponent")
            << QByteArray("[engine]\nmaxWorkers=1e9\n") << u"maxWorkers"_s << u"64"_s;
        QTest::newRow("workers fraction")
            << QByteArray("[engine]\nmaxWorkers=7.4\n") << u"maxWorkers"_s << u"7"_s;
        QTest::newRow("workers spaces")
            << QByteArray("[engine]\nmaxWorkers = 12 \n") << u"maxWorkers"_s << u"12"_s;
        QTest::newRow("workers nan") << QByteArray("[engine]\nmaxWorkers=nan\n") << u"maxWorkers"_s << u"2"_s;
        QTest::newRow("connections") << QByteArray("[engine]\nconnectionsPerFile=17\n")
                                     << u"connectionsPerFile"_s << u"16"_s;
        QTest::newRow("all connections too many")
            << QByteArray("[engine]\nmaxConnections=5000\n") << u"maxConnections"_s << u"1024"_s;
        QTest::newRow("all connections zero")
            << QByteArray("[engine]\nmaxConnections=0\n") << u"maxConnections"_s << u"1"_s;
        QTest::newRow("all connections word")
            << QByteArray("[engine]\nmaxConnections=lots\n") << u"maxConnections"_s << u"64"_s;
        QTest::newRow("timeout negative")
            << QByteArray("[engine]\ntimeoutSeconds=-5\n") << u"timeout"_s << u"1"_s;
        QTest::newRow("timeout too long")
            << QByteArray("[engine]\ntimeoutSeconds=100000\n") << u"timeout"_s << u"86400"_s;
        QTest::newRow("retries too many")
            << QByteArray("[engine]\nretries=101\n") << u"retries"_s << u"100"_s;
        QTest::newRow("retries negative") << QByteArray("[engine]\nretries=-1\n") << u"retries"_s << u"0"_s;
        QTest::newRow("policy banana")
            << QByteArray("[engine]\ncollisionPolicy=banana\n") << u"collisionPolicy"_s << u"rename"_s;
        QTest::newRow("policy number")
            << QByteArray("[engine]\ncollisionPolicy=2\n") << u"collisionPolicy"_s << u"rename"_s;
        QTest::newRow("policy upper case")
            << QByteArray("[engine]\ncollisionPolicy=OVERWRITE\n") << u"collisionPolicy"_s << u"overwrite"_s;
        QTest::newRow("policy spaces")
            << QByteArray("[engine]\ncollisionPolicy=\"  skip \"\n") << u"collisionPolicy"_s << u"skip"_s;
        QTest::newRow("folder relative") << QByteArray("[downloads]\nfolder=relative/dir\n")
                                         << u"downloadFolder"_s << u"$HOME/Downloads"_s;
        QTest::newRow("folder empty")
            << QByteArray("[downloads]\nfolder=\n") << u"downloadFolder"_s << u"$HOME/Downloads"_s;
        QTest::newRow("folder tilde")
            << QByteArray("[downloads]\nfolder=~/Stuff\n") << u"downloadFolder"_s << u"$HOME/Stuff"_s;
        QTest::newRow("folder untidy")
            << QByteArray("[downloads]\nfolder=/srv//x/./y/\n") << u"downloadFolder"_s << u"/srv/x/y"_s;
        QTest::newRow("start word") << QByteArray("[downloads]\nstartAutomatically=banana\n")
                                    << u"startAutomatically"_s << u"1"_s;
        QTest::newRow("start no") << QByteArray("[downloads]\nstartAutomatically=no\n")
                                  << u"startAutomatically"_s << u"0"_s;
        QTest::newRow("tray word") << QByteArray("[ui]\ncloseToTray=banana\n") << u"closeToTray"_s << u"0"_s;
        QTest::newRow("tray yes") << QByteArray("[ui]\ncloseToTray=YES\n") << u"closeToTray"_s << u"1"_s;
        QTest::newRow("notifications 0")
            << QByteArray("[ui]\nnotifications=0\n") << u"notifications"_s << u"0"_s;
        QTest::newRow("notifications word")
            << QByteArray("[ui]\nnotifications=maybe\n") << u"notifications"_s << u"1"_s;
    }

    void handEditedValuesAreClamped()
    {
        QFETCH(QByteArray, ini);
        QFETCH(QString, setting);
        QFETCH(QString, expected);
        writeIni(ini);
        if (QTest::currentTestFailed())
            return;
        QSettings file(iniPath(), QSettings::IniFormat);
        QCOMPARE(file.status(), QSettings::NoError);
        const AppSettings settings(file);
        expected.replace(u"$HOME"_s, m_home->path());
        QCOMPARE(valueOf(describe(settings), setting), expected);
    }

    void garbageFileGivesDefaults()
    {
        QByteArray garbage(4096, '\0');
        for (qsizetype i = 0; i < garbage.size(); ++i)
            garbage[i] = char((i * 131 + 7) % 256);
        writeIni(garbage);
        QSettings file(iniPath(), QSettings::IniFormat);
        const AppSettings settings(file);
        const EngineOptions options = settings.engineOptions();
        QVERIFY(options.maxWorkers >= AppSettings::kMinWorkers
                && options.maxWorkers <= AppSettings::kMaxWorkers);
        QVERIFY(options.retries >= AppSettings::kMinRetries && options.retries <= AppSettings::kMaxRetries);
        QVERIFY(QDir::isAbsolutePath(settings.downloadFolder()));
    }

    void settersClampToo()
    {
        {
            QSettings ini(iniPath(), QSettings::IniFormat);
            AppSettings settings(ini);
            EngineOptions options;
            options.maxWorkers = 1000;
            options.connectionsPerFile = -4;
            options.maxConnections = 0;
            options.timeout = std::chrono::milliseconds(200); // under a second: rounds to 0, clamped to 1
            options.retries = 5000;
            options.collisionPolicy = static_cast<CollisionPolicy>(42);
            settings.setEngineOptions(options);
            settings.sync();
        }
        QSettings raw(iniPath(), QSettings::IniFormat);
        QCOMPARE(raw.value(u"engine/maxWorkers"_s).toInt(), 64);
        QCOMPARE(raw.value(u"engine/connectionsPerFile"_s).toInt(), 1);
        QCOMPARE(raw.value(u"engine/maxConnections"_s).toInt(), 1);
        QCOMPARE(raw.value(u"engine/timeoutSeconds"_s).toInt(), 1);
        QCOMPARE(raw.value(u"engine/retries"_s).toInt(), 100);
        QCOMPARE(raw.value(u"engine/collisionPolicy"_s).toString(), u"rename"_s);
    }

    void engineFieldsNotStoredKeepTheirDefaults()
    {
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        EngineOptions options;
        options.maxRedirects = 3;
        options.userAgent = u"custom"_s;
        settings.setEngineOptions(options);
        const EngineOptions read = settings.engineOptions();
        QCOMPARE(read.maxRedirects, EngineOptions {}.maxRedirects);
        QCOMPARE(read.userAgent, QString());
        QCOMPARE(read.retryBaseDelay, EngineOptions {}.retryBaseDelay);
    }

    void dialogShowsStoredSettings()
    {
        writeIni("[engine]\nmaxWorkers=9\nconnectionsPerFile=4\nmaxConnections=200\ntimeoutSeconds=30\n"
                 "retries=7\ncollisionPolicy=skip\n[downloads]\nfolder=/srv/files\nstartAutomatically=false\n"
                 "[ui]\nnotifications=false\ncloseToTray=true\n");
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        SettingsDialog dialog(settings);
        QCOMPARE(child<QSpinBox>(dialog, u"maxWorkers"_s)->value(), 9);
        QCOMPARE(child<QSpinBox>(dialog, u"connections"_s)->value(), 4);
        QCOMPARE(child<QSpinBox>(dialog, u"maxConnections"_s)->value(), 200);
        QCOMPARE(child<QSpinBox>(dialog, u"timeout"_s)->value(), 30);
        QCOMPARE(child<QSpinBox>(dialog, u"retries"_s)->value(), 7);
        QCOMPARE(child<QComboBox>(dialog, u"collisionPolicy"_s)->currentData().toInt(),
                 int(CollisionPolicy::Skip));
        QCOMPARE(QDir::fromNativeSeparators(child<QLineEdit>(dialog, u"downloadFolder"_s)->text()),
                 u"/srv/files"_s);
        QCOMPARE(child<QCheckBox>(dialog, u"startAutomatically"_s)->isChecked(), false);
        QCOMPARE(child<QCheckBox>(dialog, u"notifications"_s)->isChecked(), false);
        QCOMPARE(child<QCheckBox>(dialog, u"closeToTray"_s)->isChecked(), true);
        QVERIFY(child<QLabel>(dialog, u"folderError"_s)->isHidden());
        QCOMPARE(child<QSpinBox>(dialog, u"maxWorkers"_s)->maximum(), 64);
        QCOMPARE(child<QSpinBox>(dialog, u"timeout"_s)->maximum(), 86'400);
        QCOMPARE(child<QSpinBox>(dialog, u"connections"_s)->maximum(), 16);
        QCOMPARE(child<QSpinBox>(dialog, u"maxConnections"_s)->minimum(), 1);
        QCOMPARE(child<QSpinBox>(dialog, u"maxConnections"_s)->maximum(), 1024);
        // Segmented downloading is explained where the setting is.
        QVERIFY(child<QSpinBox>(dialog, u"connections"_s)->toolTip().contains(u"pieces"_s));
    }

    void settingsThatCannotBeSavedAreSaidSo()
    {
        // A settings file that cannot be written (here: a folder where the file should be, which stops root
        // too): the settings still apply, and the dialog says that they were not saved, and what to do.
        QVERIFY(QDir(m_dir->path()).mkdir(u"heiko.ini"_s));
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        SettingsDialog dialog(settings);
        QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
        QSignalSpy notSaved(&dialog, &SettingsDialog::notSaved);
        dialog.show();
        child<QSpinBox>(dialog, u"maxWorkers"_s)->setValue(7);
        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(applied.at(0).at(0).value<heiko::EngineOptions>().maxWorkers, 7);
        QCOMPARE(notSaved.size(), 1);
        const QString problem = notSaved.at(0).at(0).toString();
        QVERIFY2(problem.contains(u"could not be saved"_s) && problem.contains(u"heiko.ini"_s),
                 qPrintable(problem));
    }

    void dialogOkPersistsAndEmits()
    {
        const QString target = m_dir->filePath(u"new/nested folder"_s); // created on OK
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        SettingsDialog dialog(settings);
        QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
        dialog.show();

        child<QSpinBox>(dialog, u"maxWorkers"_s)->setValue(12);
        child<QSpinBox>(dialog, u"connections"_s)->setValue(8);
        child<QSpinBox>(dialog, u"maxConnections"_s)->setValue(300);
        child<QSpinBox>(dialog, u"timeout"_s)->setValue(600);
        child<QSpinBox>(dialog, u"retries"_s)->setValue(0);
        auto *policy = child<QComboBox>(dialog, u"collisionPolicy"_s);
        policy->setCurrentIndex(policy->findData(int(CollisionPolicy::Overwrite)));
        auto *folder = child<QLineEdit>(dialog, u"downloadFolder"_s);
        folder->clear();
        QTest::keyClicks(folder, QDir::toNativeSeparators(target));
        child<QCheckBox>(dialog, u"startAutomatically"_s)->setChecked(false);
        child<QCheckBox>(dialog, u"notifications"_s)->setChecked(false);
        child<QCheckBox>(dialog, u"closeToTray"_s)->setChecked(true);
        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::Ok)->click();

        QCOMPARE(applied.size(), 1);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
        QVERIFY(QFileInfo(target).isDir());

        QSettings reopened(iniPath(), QSettings::IniFormat); // what reached the disk
        const AppSettings stored(reopened);
        QCOMPARE(stored.engineOptions().maxWorkers, 12);
        QCOMPARE(stored.engineOptions().connectionsPerFile, 8);
        QCOMPARE(stored.engineOptions().maxConnections, 300);
        QCOMPARE(reopened.value(u"engine/maxConnections"_s).toInt(), 300); // in the style of the other keys
        QCOMPARE(stored.engineOptions().timeout, std::chrono::milliseconds(600'000));
        QCOMPARE(stored.engineOptions().retries, 0);
        QCOMPARE(stored.engineOptions().collisionPolicy, CollisionPolicy::Overwrite);
        QCOMPARE(stored.downloadFolder(), target);
        QCOMPARE(stored.startAutomatically(), false);
        QCOMPARE(stored.notifications(), false);
        QCOMPARE(stored.closeToTray(), true);
    }

    void limitsTheFieldsRoundStayExact()
    {
        // --max-overall-limit 500 (bytes a second) and a limit beyond the field: shown as 1 KiB/s (not
        // "none") and as the field's maximum, and kept exactly when OK is pressed without touching them
        // (OK used to remove the first and lower the second).
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        EngineOptions running = settings.engineOptions();
        running.overallRateLimit = 500;
        running.downloadRateLimit = qint64(20'000'000) * 1024;
        SettingsDialog dialog(settings, running);
        QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
        dialog.show();
        auto *overall = child<QSpinBox>(dialog, u"overallLimit"_s);
        auto *perDownload = child<QSpinBox>(dialog, u"downloadLimit"_s);
        QCOMPARE(overall->value(), 1);
        QCOMPARE(perDownload->value(), perDownload->maximum());
        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(applied.size(), 1);
        const auto options = applied.first().first().value<EngineOptions>();
        QCOMPARE(options.overallRateLimit, qint64(500));
        QCOMPARE(options.downloadRateLimit, qint64(20'000'000) * 1024);
        // The settings file keeps whole KiB/s: saved as 1 KiB/s, not as none.
        QCOMPARE(settings.engineOptions().overallRateLimit, qint64(1024));

        // Changed, a field sets what it shows.
        SettingsDialog again(settings, running);
        QSignalSpy appliedAgain(&again, &SettingsDialog::settingsApplied);
        again.show();
        child<QSpinBox>(again, u"overallLimit"_s)->setValue(2);
        child<QDialogButtonBox>(again, u"buttons"_s)->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(appliedAgain.first().first().value<EngineOptions>().overallRateLimit, qint64(2048));
    }

    void dialogCancelChangesNothing()
    {
        writeIni("[engine]\nmaxWorkers=5\n");
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        SettingsDialog dialog(settings);
        QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
        dialog.show();
        child<QSpinBox>(dialog, u"maxWorkers"_s)->setValue(40);
        child<QCheckBox>(dialog, u"closeToTray"_s)->setChecked(true);
        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::Cancel)->click();

        QCOMPARE(applied.size(), 0);
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QCOMPARE(settings.engineOptions().maxWorkers, 5);
        QCOMPARE(settings.closeToTray(), false);
    }

    void restoreDefaults()
    {
        const QString custom = m_dir->filePath(u"custom"_s);
        {
            QSettings ini(iniPath(), QSettings::IniFormat);
            AppSettings settings(ini);
            EngineOptions options;
            options.maxWorkers = 30;
            options.connectionsPerFile = 9;
            options.maxConnections = 500;
            options.timeout = std::chrono::seconds(5);
            options.retries = 77;
            options.collisionPolicy = CollisionPolicy::Skip;
            settings.setEngineOptions(options);
            settings.setDownloadFolder(custom);
            settings.setStartAutomatically(false);
            settings.setNotifications(false);
            settings.setCloseToTray(true);
        }
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        SettingsDialog dialog(settings);
        QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
        dialog.show();
        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::RestoreDefaults)->click();

        const EngineOptions defaults = AppSettings::defaultEngineOptions();
        QCOMPARE(child<QSpinBox>(dialog, u"maxWorkers"_s)->value(), defaults.maxWorkers);
        QCOMPARE(child<QSpinBox>(dialog, u"connections"_s)->value(), defaults.connectionsPerFile);
        QCOMPARE(child<QSpinBox>(dialog, u"maxConnections"_s)->value(), 64);
        QCOMPARE(child<QSpinBox>(dialog, u"timeout"_s)->value(), 180);
        QCOMPARE(child<QSpinBox>(dialog, u"retries"_s)->value(), defaults.retries);
        QCOMPARE(child<QComboBox>(dialog, u"collisionPolicy"_s)->currentData().toInt(),
                 int(CollisionPolicy::Rename));
        QCOMPARE(QDir::fromNativeSeparators(child<QLineEdit>(dialog, u"downloadFolder"_s)->text()),
                 m_home->filePath(u"Downloads"_s));
        QCOMPARE(child<QCheckBox>(dialog, u"startAutomatically"_s)->isChecked(), true);
        QCOMPARE(child<QCheckBox>(dialog, u"notifications"_s)->isChecked(), true);
        QCOMPARE(child<QCheckBox>(dialog, u"closeToTray"_s)->isChecked(), false);
        // Restoring only fills the form; nothing is saved before OK.
        QCOMPARE(applied.size(), 0);
        QCOMPARE(settings.engineOptions().maxWorkers, 30);
        QCOMPARE(settings.downloadFolder(), custom);

        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(settings.engineOptions().maxWorkers, defaults.maxWorkers);
        QCOMPARE(settings.engineOptions().maxConnections, defaults.maxConnections);
        QCOMPARE(settings.engineOptions().collisionPolicy, CollisionPolicy::Rename);
        QCOMPARE(settings.downloadFolder(), m_home->filePath(u"Downloads"_s));
        QCOMPARE(settings.closeToTray(), false);
    }

    void collisionPolicyHelpFollowsTheChoice()
    {
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        SettingsDialog dialog(settings);
        auto *policy = child<QComboBox>(dialog, u"collisionPolicy"_s);
        auto *help = child<QLabel>(dialog, u"collisionPolicyHelp"_s);
        QCOMPARE(policy->count(), 3);
        QStringList texts;
        for (int i = 0; i < policy->count(); ++i) {
            policy->setCurrentIndex(i);
            QVERIFY(!help->text().isEmpty());
            texts.append(help->text());
        }
        texts.removeDuplicates();
        QCOMPARE(texts.size(), 3);
    }

    void helpTextIsWholeAtTheFirstShow()
    {
        // The policy's explanation wraps onto several lines: the dialog, at its first show, is tall enough
        // for all of them (it was sized before the wrap was known, and the last line was cut off).
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        SettingsDialog dialog(settings);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        for (auto *label : dialog.findChildren<QLabel *>()) {
            if (!label->wordWrap() || !label->isVisible())
                continue;
            QVERIFY2(label->height() >= label->heightForWidth(label->width()),
                     qPrintable(u"%1: %2 px high, needs %3"_s.arg(label->text())
                                    .arg(label->height())
                                    .arg(label->heightForWidth(label->width()))));
        }
    }

    void unusableFolderKeepsDialogOpen_data()
    {
        QTest::addColumn<QString>("folder"); // "$TMP" stands for the test's temporary folder
        QTest::addColumn<QString>("mentions"); // part of the message that says what is wrong

        // Running as root, permissions stop nothing: a path under a regular file can never be created.
        QTest::newRow("under a file") << u"$TMP/afile/sub"_s << u"is a file, not a folder"_s;
        QTest::newRow("deep under a file") << u"$TMP/afile/a/b/c"_s << u"is a file, not a folder"_s;
        QTest::newRow("is a file") << u"$TMP/afile"_s << u"is a file, not a folder"_s;
        QTest::newRow("relative") << u"relative/dir"_s << u"not a full path"_s;
        QTest::newRow("empty") << u"   "_s << u"Enter the folder"_s;
    }

    void unusableFolderKeepsDialogOpen()
    {
        QFETCH(QString, folder);
        QFETCH(QString, mentions);
        {
            QFile file(m_dir->filePath(u"afile"_s));
            QVERIFY(file.open(QIODevice::WriteOnly));
        }
        folder.replace(u"$TMP"_s, m_dir->path());
        const QString before = m_dir->filePath(u"before"_s);
        QVERIFY(QDir().mkpath(before));
        QSettings ini(iniPath(), QSettings::IniFormat);
        AppSettings settings(ini);
        settings.setDownloadFolder(before);
        settings.setCloseToTray(false);
        SettingsDialog dialog(settings);
        QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));

        auto *edit = child<QLineEdit>(dialog, u"downloadFolder"_s);
        edit->setText(QDir::toNativeSeparators(folder));
        child<QCheckBox>(dialog, u"closeToTray"_s)->setChecked(true);
        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::Ok)->click();

        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected)); // not accepted (Rejected is the initial value)
        QCOMPARE(applied.size(), 0);
        auto *error = child<QLabel>(dialog, u"folderError"_s);
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(mentions), qPrintable(error->text()));
        QVERIFY2(error->text().contains(u"Browse"_s), qPrintable(u"says what to do: "_s + error->text()));
        // Nothing was saved, not even the settings that were fine.
        QCOMPARE(settings.downloadFolder(), before);
        QCOMPARE(settings.closeToTray(), false);
        QVERIFY(!QFileInfo::exists(m_dir->filePath(u"afile/sub"_s)));

        // Typing a correction clears the message; OK then succeeds.
        edit->selectAll();
        QTest::keyClicks(edit, QDir::toNativeSeparators(m_dir->filePath(u"fixed"_s)));
        QVERIFY(error->isHidden());
        child<QDialogButtonBox>(dialog, u"buttons"_s)->button(QDialogButtonBox::Ok)->click();
        QVERIFY(!dialog.isVisible());
        QCOMPARE(applied.size(), 1);
        QCOMPARE(settings.downloadFolder(), m_dir->filePath(u"fixed"_s));
        QCOMPARE(settings.closeToTray(), true);
    }
};

QTEST_MAIN(TestSettings)
#include "tst_settings.moc"
