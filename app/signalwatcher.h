#pragma once

#include <QObject>

class QSocketNotifier;

// Turns Ctrl+C, SIGTERM and SIGHUP (Windows: console close and Ctrl+C events) into a Qt signal in the
// thread that created the watcher, so that a headless run or the window can stop its downloads cleanly,
// keep their .part files and save the queue. A SIGHUP that was ignored when the watcher was made (nohup)
// stays ignored. Destroying the watcher gives the signals their default action back. One instance at a
// time.
class SignalWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalWatcher)

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    // Called on the watcher's thread when a signal arrived (queued there by the platform handler).
    void handleActivated();

Q_SIGNALS:
    void interrupted(int count); // 1 on the first request to stop, 2 on the second, ...

private:
    int m_count = 0;
    QSocketNotifier *m_notifier = nullptr;
};
