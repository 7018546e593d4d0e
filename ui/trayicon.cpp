#include "trayicon.h"

#include <QApplication>
#include <QMenu>
#include <QSystemTrayIcon>

TrayIcon::TrayIcon(QMenu *menu, QObject *parent)
    : QObject(parent)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_icon = new QSystemTrayIcon(QApplication::windowIcon(), this);
    m_icon->setContextMenu(menu);
    m_icon->setToolTip(tr("Heiko"));
    connect(m_icon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            Q_EMIT activated();
    });
    m_icon->show();
}

TrayIcon::~TrayIcon() = default;

bool TrayIcon::isAvailable() const
{
    return m_icon != nullptr;
}

void TrayIcon::setToolTip(const QString &text)
{
    if (m_icon && m_icon->toolTip() != text)
        m_icon->setToolTip(text);
}

void TrayIcon::notify(const QString &title, const QString &message, bool isError)
{
    Q_EMIT notified(title, message, isError);
    if (m_icon && QSystemTrayIcon::supportsMessages())
        m_icon->showMessage(title, message,
                            isError ? QSystemTrayIcon::Critical : QSystemTrayIcon::Information,
                            isError ? 10'000 : 5'000);
}
