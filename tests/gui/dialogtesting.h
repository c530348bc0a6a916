// Modal dialogs in the window tests: answered from the event loop, as a user would click.
#pragma once

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QTest>
#include <QTimer>

namespace baton::testing {

// Clicks a button of the next modal dialog once it shows up.
inline void answerNextDialog(const QString &buttonText)
{
    QTimer::singleShot(0, qApp, [buttonText] {
        QTRY_VERIFY(QApplication::activeModalWidget());
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        QVERIFY(box);
        for (QAbstractButton *button : box->buttons()) {
            if (button->text().remove(u'&') == buttonText) {
                button->click();
                return;
            }
        }
        QFAIL(qPrintable(QStringLiteral("no button '%1'").arg(buttonText)));
    });
}

} // namespace baton::testing
