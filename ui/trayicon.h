#pragma once

#include <QObject>

class QMenu;
class QSystemTrayIcon;

// The notification-area icon: overall progress in its tooltip, a menu, and notifications. Where the desktop
// has no tray (or no notification service), everything here quietly does nothing and isAvailable() says so,
// so the window never relies on it (closing to the tray then falls back to asking).
class TrayIcon final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)

public:
    explicit TrayIcon(QMenu *menu, QObject *parent = nullptr);
    ~TrayIcon() override;

    bool isAvailable() const;
    void setToolTip(const QString &text);
    void notify(const QString &title, const QString &message, bool isError);

Q_SIGNALS:
    void activated(); // the user clicked the icon: show the window
    // Every notification, shown or not (no tray): the window's status bar and tests listen.
    void notified(const QString &title, const QString &message, bool isError);

private:
    QSystemTrayIcon *m_icon = nullptr;
};
