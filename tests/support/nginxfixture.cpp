#include "nginxfixture.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>

#ifdef Q_OS_UNIX
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#endif
#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#endif

using namespace Qt::StringLiterals;

namespace {

constexpr int kStartAttempts = 5;
constexpr int kReadyTimeoutMs = 5000;

// The kernel hands out a port nobody listens on; nginx may still lose it to someone else before it binds,
// which start() handles by retrying with a new port.
quint16 pickFreePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QString quoted(const QString &text)
{
    QString escaped = text;
    escaped.replace(u'\\', u"\\\\"_s);
    escaped.replace(u'"', u"\\\""_s);
    return u'"' + escaped + u'"';
}

// As root nginx wants to drop to an unprivileged user ("nobody" unless told otherwise), which may not
// exist in a container; staying the current user keeps the test independent of the system's accounts.
QString userDirective()
{
#ifdef Q_OS_UNIX
    if (::geteuid() != 0)
        return {};
    const passwd *user = ::getpwuid(::geteuid());
    const group *grp = ::getgrgid(::getegid());
    if (!user || !grp)
        return {};
    return u"user "_s + QString::fromLocal8Bit(user->pw_name) + u' ' + QString::fromLocal8Bit(grp->gr_name)
        + u";\n"_s;
#else
    return {};
#endif
}

QString readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLocal8Bit(file.readAll());
}

} // namespace

NginxFixture::NginxFixture()
    : m_pidFile(m_prefix.filePath(u"nginx.pid"_s))
{ }

NginxFixture::~NginxFixture()
{
    stop();
}

QString NginxFixture::nginxExecutable()
{
    const QString inPath = QStandardPaths::findExecutable(u"nginx"_s);
    if (!inPath.isEmpty())
        return inPath;
    // sbin directories are often missing from a normal user's PATH.
    return QStandardPaths::findExecutable(u"nginx"_s,
                                          { u"/usr/sbin"_s, u"/usr/local/sbin"_s, u"/usr/local/nginx/sbin"_s,
                                            u"/opt/homebrew/bin"_s, u"/usr/local/bin"_s });
}

bool NginxFixture::start(const QString &root, const QString &extraServerConfig)
{
    stop();
    m_error.clear();
    const QString nginx = nginxExecutable();
    if (nginx.isEmpty()) {
        m_error = u"nginx is not installed (install nginx-light)"_s;
        return false;
    }
    if (!m_prefix.isValid()) {
        m_error = u"cannot create a temporary prefix: "_s + m_prefix.errorString();
        return false;
    }
    if (!QFileInfo(root).isDir()) {
        m_error = u"not a directory: "_s + root;
        return false;
    }

    const QDir prefix(m_prefix.path());
    const QString configPath = prefix.filePath(u"nginx.conf"_s);
    const QString errorLog = prefix.filePath(u"error.log"_s);
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        m_port = pickFreePort();
        if (m_port == 0) {
            m_error = u"no free port on 127.0.0.1"_s;
            return false;
        }
        QString config = userDirective();
        config += u"daemon off;\n"
                  u"master_process off;\n"
                  u"worker_processes 1;\n"_s;
        config += u"error_log "_s + quoted(errorLog) + u";\n"_s;
        config += u"pid "_s + quoted(m_pidFile) + u";\n"_s;
        config += u"events { worker_connections 1024; }\n"
                  u"http {\n"
                  u"    access_log off;\n"
                  u"    sendfile on;\n"
                  u"    tcp_nopush on;\n"
                  u"    keepalive_requests 100000;\n"
                  u"    types { application/octet-stream bin; }\n"
                  u"    default_type application/octet-stream;\n"_s;
        const QList<QPair<QString, QString>> tempPaths = {
            { u"client_body_temp_path"_s, u"client_body_temp"_s },
            { u"proxy_temp_path"_s, u"proxy_temp"_s },
            { u"fastcgi_temp_path"_s, u"fastcgi_temp"_s },
            { u"uwsgi_temp_path"_s, u"uwsgi_temp"_s },
            { u"scgi_temp_path"_s, u"scgi_temp"_s },
        };
        for (const auto &tempPath : tempPaths)
            config += u"    "_s + tempPath.first + u' ' + quoted(prefix.filePath(tempPath.second)) + u";\n"_s;
        config += u"    server {\n"_s;
        config += u"        listen 127.0.0.1:"_s + QString::number(m_port) + u";\n"_s;
        config += u"        root "_s + quoted(QDir(root).absolutePath()) + u";\n"_s;
        if (!extraServerConfig.isEmpty())
            config += u"        "_s + extraServerConfig + u'\n';
        config += u"    }\n}\n"_s;

        QFile file(configPath);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(config.toUtf8()) < 0) {
            m_error = u"cannot write "_s + configPath + u": "_s + file.errorString();
            return false;
        }
        file.close();
        QFile::remove(errorLog);

        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
#ifdef Q_OS_LINUX
        // If the test process dies without running destructors, nginx must not outlive it holding the port.
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
        // -e keeps nginx away from the compiled-in /var/log/nginx/error.log before it reads the config.
        m_process->start(nginx, { u"-p"_s, m_prefix.path() + u'/', u"-c"_s, configPath, u"-e"_s, errorLog });
        if (!m_process->waitForStarted(kReadyTimeoutMs)) {
            m_error = u"cannot run "_s + nginx + u": "_s + m_process->errorString();
            m_process.reset();
            return false;
        }

        const QDeadlineTimer deadline(kReadyTimeoutMs);
        while (!deadline.hasExpired()) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_port);
            if (probe.waitForConnected(int(std::max<qint64>(1, deadline.remainingTime())))
                && m_process->state() == QProcess::Running) {
                probe.abort();
                m_running = true;
                return true;
            }
            // Refused: either nginx is not listening yet or it gave up (bind or config error).
            if (m_process->waitForFinished(50))
                break;
        }

        const QString output = QString::fromLocal8Bit(m_process->readAll()).trimmed();
        stop();
        m_error = u"nginx did not start on port "_s + QString::number(m_port) + u": "_s + output + u"\n"_s
            + readFile(errorLog).trimmed();
        if (!m_error.contains(u"Address already in use"_s))
            return false;
    }
    return false;
}

void NginxFixture::stop()
{
    if (m_process) {
        if (m_process->state() != QProcess::NotRunning) {
            m_process->terminate(); // SIGTERM: nginx's fast shutdown
            if (!m_process->waitForFinished(5000)) {
                m_process->kill();
                m_process->waitForFinished(5000);
            }
        }
        m_process.reset();
    }
    m_running = false;
}

QUrl NginxFixture::url(const QString &path) const
{
    QString text = u"http://127.0.0.1:"_s + QString::number(m_port);
    if (!path.startsWith(u'/'))
        text += u'/';
    return QUrl(text + path);
}
