#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

// A real nginx serving a folder on a free 127.0.0.1 port, for end-to-end tests. The configuration,
// logs and pid file live in a temporary prefix; the server is stopped in the destructor.
class NginxFixture final
{
    Q_DISABLE_COPY_MOVE(NginxFixture)

public:
    NginxFixture();
    ~NginxFixture();

    // Where nginx is (PATH, /usr/sbin/nginx), or empty when it is not installed.
    static QString nginxExecutable();

    // Starts nginx serving `root`; `extraServerConfig` is pasted into the server block (e.g. a
    // `limit_rate 2m;`). Returns false and sets errorString() when it could not start.
    bool start(const QString &root, const QString &extraServerConfig = QString());
    void stop();

    quint16 port() const { return m_port; }
    QUrl url(const QString &path) const;
    QString errorString() const { return m_error; }

private:
    QTemporaryDir m_prefix;
    // nginx runs in the foreground ("daemon off; master_process off;") as this child process, so stop()
    // and the destructor only have to end it; the pid file merely satisfies nginx.
    std::unique_ptr<QProcess> m_process;
    QString m_pidFile;
    quint16 m_port = 0;
    QString m_error;
    bool m_running = false;
};
